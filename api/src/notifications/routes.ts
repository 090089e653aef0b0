import { ifMatchVersion, setEtag } from "../http/concurrency";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import {
  ChannelBody,
  ChannelListQuery,
  ChannelSchema,
  DeliveryListQuery,
  DeliverySchema,
  IdParams,
  MessageListQuery,
  MessageSchema,
  ReadAllSchema,
  TestOutcomeSchema,
  UnreadCountSchema,
} from "./schemas";
import type { NotificationService } from "./service";

const can = (action: "read" | "create" | "update" | "delete") =>
  ({ ability: { action, subject: "NotificationChannel" } }) as const;
const etag = { etag: 'The version, e.g. "3": send it back in If-Match' };
const total = { [TOTAL_COUNT_HEADER]: "Total" };

/**
 * Notification channels and the delivery log (NotificationChannel subject: the system admin), and
 * the message centre (any signed-in account, its own messages only). docs/monitors.md, "Notifications".
 */
export function registerNotificationRoutes(routes: RouteTable, service: NotificationService): void {
  const tags = ["notifications"];

  routes.add({
    method: "get",
    path: "/api/v1/notification-channels",
    operationId: "listNotificationChannels",
    summary: "Notification channels (paginated, filters); secrets shown as ******",
    tags,
    access: can("read"),
    query: ChannelListQuery,
    response: { status: 200, description: "A page", schema: ChannelSchema.array(), headers: total },
    async handler({ query, ctx, res }) {
      const { items, total } = await service.listChannels(ctx, query, pageOf(query));
      setTotal(res, total);
      return items;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/notification-channels",
    operationId: "createNotificationChannel",
    summary: "Create a channel: webhook, sms (a signed gateway webhook), email (SMTP) or console",
    tags,
    access: can("create"),
    body: ChannelBody,
    response: { status: 201, description: "Created", schema: ChannelSchema, headers: etag },
    problems: [400, 409],
    async handler({ body, ctx, res }) {
      const view = await service.createChannel(ctx, body);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/notification-channels/:id",
    operationId: "getNotificationChannel",
    summary: "One channel; secrets shown as ******",
    tags,
    access: can("read"),
    params: IdParams,
    response: { status: 200, description: "The channel", schema: ChannelSchema, headers: etag },
    problems: [404],
    async handler({ params, ctx, res }) {
      const view = await service.getChannel(ctx, params.id);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "put",
    path: "/api/v1/notification-channels/:id",
    operationId: "updateNotificationChannel",
    summary: "Replace a channel (If-Match required); ****** for a secret keeps the stored one",
    tags,
    access: can("update"),
    params: IdParams,
    body: ChannelBody,
    response: { status: 200, description: "Saved", schema: ChannelSchema, headers: etag },
    problems: [400, 404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const view = await service.updateChannel(ctx, params.id, ifMatchVersion(req), body);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/notification-channels/:id",
    operationId: "deleteNotificationChannel",
    summary: "Delete a channel (If-Match required); its deliveries stay in the log",
    tags,
    access: can("delete"),
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await service.removeChannel(ctx, params.id, ifMatchVersion(req));
      return undefined;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/notification-channels/:id/test",
    operationId: "testNotificationChannel",
    summary: "Send a test message over the channel now; the outcome is returned and kept in the log",
    tags,
    access: can("update"),
    params: IdParams,
    response: { status: 200, description: "The outcome", schema: TestOutcomeSchema },
    problems: [404],
    async handler({ params, ctx }) {
      return service.testChannel(ctx, params.id);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/notification-deliveries",
    operationId: "listNotificationDeliveries",
    summary: "The delivery log (paginated; filters: state, channel, source, time)",
    tags,
    access: can("read"),
    query: DeliveryListQuery,
    response: { status: 200, description: "A page", schema: DeliverySchema.array(), headers: total },
    async handler({ query, ctx, res }) {
      const { items, total } = await service.listDeliveries(ctx, query, pageOf(query));
      setTotal(res, total);
      return items;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/notification-deliveries/:id/retry",
    operationId: "retryNotificationDelivery",
    summary: "Send a failed delivery again (a fresh set of attempts)",
    tags,
    access: can("update"),
    params: IdParams,
    response: { status: 200, description: "The delivery, pending again", schema: DeliverySchema },
    problems: [404, 409],
    async handler({ params, ctx }) {
      return service.retryDelivery(ctx, params.id);
    },
  });

  const mine = { authenticated: true } as const;
  const messageTags = ["messages"];

  routes.add({
    method: "get",
    path: "/api/v1/messages",
    operationId: "listMessages",
    summary: "The caller's messages: addressed to them or to their role (paginated, newest first)",
    tags: messageTags,
    access: mine,
    query: MessageListQuery,
    response: { status: 200, description: "A page", schema: MessageSchema.array(), headers: total },
    async handler({ query, ctx, res }) {
      const { items, total } = await service.listMessages(ctx, query.unread === "true", pageOf(query));
      setTotal(res, total);
      return items;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/messages/unread-count",
    operationId: "countUnreadMessages",
    summary: "How many of the caller's messages are unread",
    tags: messageTags,
    access: mine,
    response: { status: 200, description: "The count", schema: UnreadCountSchema },
    async handler({ ctx }) {
      return { count: await service.unreadCount(ctx) };
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/messages/:id/read",
    operationId: "markMessageRead",
    summary: "Mark one of the caller's messages read",
    tags: messageTags,
    access: mine,
    params: IdParams,
    response: { status: 204, description: "Marked" },
    problems: [404],
    async handler({ params, ctx }) {
      await service.markRead(ctx, params.id);
      return undefined;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/messages/read-all",
    operationId: "markAllMessagesRead",
    summary: "Mark all the caller's messages read",
    tags: messageTags,
    access: mine,
    response: { status: 200, description: "How many were marked", schema: ReadAllSchema },
    async handler({ ctx }) {
      return { marked: await service.markAllRead(ctx) };
    },
  });
}
