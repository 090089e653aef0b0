import type { Messages } from "./messages";

/** English texts of the leadership dashboard; the type keeps the keys in step with leadership.zh-CN.ts. */
export const leadershipResourcesEn: Pick<Messages["resources"], "leadership" | "viewers"> = {
  leadership: {
    title: "Leadership dashboard",
    description:
      "Availability and error budget of each app this month, 90 days of uptime, the SLA trend, and open incidents with their deadlines. Read-only.",
  },
  viewers: {
    title: "Leadership accounts",
    description:
      "Give or take the read-only leadership role: it sees the leadership dashboard (SLA and incidents) and changes nothing. The system administrator creates the accounts.",
  },
};

export const leadershipEn: Messages["leadership"] = {
  viewers: {
    assign: "Give the leadership role",
    user: "Account",
    userHint:
      "An ordinary account the system administrator created; an account with an admin role cannot also hold it (one built-in role per account). The account signs in again after either change.",
    userRequired: "Choose an account",
    searchUser: "Search by name, username or pinyin",
    status: "Account status",
    statuses: { active: "Active", disabled: "Disabled" },
    assignedAt: "Given (Beijing time)",
    actions: "Actions",
    revoke: "Take back",
    confirmRevoke: "Take the leadership role from {{user}}?",
    revokeHint: "Every session of the account ends at once; it no longer sees the leadership dashboard.",
    assigned: "Leadership role given",
    revoked: "Leadership role taken back",
    total: "{{total}} leadership accounts",
    submit: "Give",
    cancel: "Cancel",
  },
  refresh: "Refresh",
  updatedAt: "Updated {{time}}",
  cards: {
    title: "Availability this month",
    month: "{{count}} apps",
    none: "No apps yet: once the system administrator registers apps under Monitors and links monitors to them, their availability shows here.",
    platform: "Platform",
    availability: "Availability (this month)",
    target: "Target {{target}}",
    budget: "Error budget left",
    budgetMinutes: "{{left}} of {{total}} minutes left",
    overspent: "Overspent",
    overspentMinutes: "{{over}} minutes over a budget of {{total}}",
    level: { green: "On target", orange: "Budget low", red: "Below target", grey: "No data" },
  },
  bars: {
    title: "Uptime, last {{days}} days",
    none: "No data yet",
    noData: "No data",
    day: "Availability {{availability}}",
    down: "Down {{minutes}} min",
    legend:
      "One bar per day (Beijing time), today on the right. Green: on target; orange: missed, short outage; red: missed; grey: no data. Right: the {{days}} days together.",
  },
  trend: {
    title: "SLA trend (last {{days}} days)",
    none: "No data yet",
    aria: "Daily availability against the target",
    availability: "Daily availability",
    target: "Target",
    all: "All apps (pooled)",
  },
  incidents: {
    title: "Open incidents",
    total: "{{total}} open",
    none: "No open incidents",
    number: "Number",
    grade: "Grade",
    subject: "Title",
    state: "State",
    openedAt: "Opened (Beijing time)",
    respondBy: "Respond by",
    fixBy: "Fix by",
    more: "Showing the {{shown}} with the nearest fix deadline of {{total}}.",
  },
};
