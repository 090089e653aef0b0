import { apiRequest } from "../../api/http";
import { fetchPage, pageQuery } from "../../api/paging";

/** The signed-in admin's own messages (the console channel of notifications; docs/api.md, "Messages"). */
export interface ConsoleMessage {
  id: string;
  severity: "critical" | "warning" | "info";
  title: { zh: string; en: string };
  text: { zh: string; en: string };
  link: string | null;
  source: { kind: "alert" | "incident" | "test"; id: string | null };
  /** Addressed to the caller, or to the caller's role. */
  to: "me" | "role";
  read: boolean;
  readAt: string | null;
  createdAt: string;
}

export const messagesApi = {
  list: async (page: number, pageSize: number, unreadOnly: boolean) => {
    const query = pageQuery(page, pageSize, { filters: { unread: unreadOnly ? "true" : undefined } });
    return fetchPage<ConsoleMessage>("/messages", query);
  },
  unreadCount: () => apiRequest<{ count: number }>("/messages/unread-count").then((r) => r.data.count),
  markRead: (id: string) => apiRequest<unknown>(`/messages/${id}/read`, { method: "POST" }),
  markAllRead: () => apiRequest<unknown>("/messages/read-all", { method: "POST" }),
};

/** A message's link, if it is a console path: never another origin (`//host`) nor a script URL. */
export function consolePath(link: string | null | undefined): string | null {
  if (!link || !link.startsWith("/") || link.startsWith("//") || link.startsWith("/\\")) return null;
  return link;
}
