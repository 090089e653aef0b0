import { apiRequest } from "../../api/http";

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
    const query = new URLSearchParams({ _start: String((page - 1) * pageSize), _end: String(page * pageSize) });
    if (unreadOnly) query.set("unread", "true");
    const r = await apiRequest<ConsoleMessage[]>("/messages", { query });
    return { rows: r.data, total: Number(r.headers.get("x-total-count") ?? r.data.length) };
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
