import { apiRequest } from "../../api/http";
import { fetchPage, ifMatch, pageQuery } from "../../api/paging";

/** Notification channels and the delivery log (docs/api.md, "Notifications"). Secrets come back as MASK. */
export const MASK = "******";
export const CHANNEL_TYPES = ["webhook", "sms", "email", "console"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const RECIPIENT_ROLES = ["sysadmin", "secadmin", "auditadmin", "viewer"] as const;
export const DELIVERY_STATES = ["pending", "delivered", "failed"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface ChannelInput {
  name: string;
  description: string;
  enabled: boolean;
  type: ChannelType;
  config: Record<string, unknown>;
}

export interface Channel extends ChannelInput {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface TestOutcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  retryable: boolean;
  ms: number;
  deliveryId: string;
}

export interface Delivery {
  id: string;
  channelId: string | null;
  channelName: string;
  channelType: ChannelType;
  source: { kind: "alert" | "incident" | "test"; id: string | null };
  severity: "critical" | "warning" | "info";
  title: { zh: string; en: string };
  state: DeliveryState;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export const channelApi = {
  list: (page: number, pageSize: number, filters: { type?: ChannelType } = {}) =>
    fetchPage<Channel>("/notification-channels", pageQuery(page, pageSize, { sort: "name", order: "asc", filters })),
  create: (body: ChannelInput) =>
    apiRequest<Channel>("/notification-channels", { method: "POST", body }).then((r) => r.data),
  update: (channel: Channel, body: ChannelInput) =>
    apiRequest<Channel>(`/notification-channels/${channel.id}`, {
      method: "PUT",
      body,
      headers: ifMatch(channel.version),
    }).then((r) => r.data),
  remove: (channel: Channel) =>
    apiRequest<void>(`/notification-channels/${channel.id}`, { method: "DELETE", headers: ifMatch(channel.version) }),
  test: (channel: Channel) =>
    apiRequest<TestOutcome>(`/notification-channels/${channel.id}/test`, { method: "POST" }).then((r) => r.data),
  deliveries: (page: number, pageSize: number, filters: { state?: DeliveryState; channelId?: string }) =>
    fetchPage<Delivery>(
      "/notification-deliveries",
      pageQuery(page, pageSize, { sort: "createdAt", order: "desc", filters }),
    ),
  retry: (delivery: Delivery) =>
    apiRequest<Delivery>(`/notification-deliveries/${delivery.id}/retry`, { method: "POST" }).then((r) => r.data),
};

/** Every channel's id and name, for pickers (rules, filters): the first 200 by name. */
export const channelRefs = () => channelApi.list(1, 200).then((r) => r.rows);
