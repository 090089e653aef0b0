import { type ChannelType, MASK } from "./channelApi";

/** The form's view of a channel's settings, and back: only the chosen type's fields are sent. */
export interface ChannelFormConfig {
  url?: string;
  secret?: string;
  phoneNumbers?: string[];
  host?: string;
  port?: number;
  security?: "tls" | "starttls" | "none";
  user?: string;
  password?: string;
  from?: string;
  to?: string[];
  ignoreTls?: boolean;
  roles?: string[];
  userIds?: string[];
}

export function defaultConfig(type: ChannelType): ChannelFormConfig {
  switch (type) {
    case "webhook":
      return { url: "", secret: "" };
    case "sms":
      return { url: "", secret: "", phoneNumbers: [] };
    case "email":
      return { host: "", port: 465, security: "tls", user: "", password: "", from: "", to: [], ignoreTls: false };
    case "console":
      return { roles: ["sysadmin"], userIds: [] };
  }
}

export function configForType(type: ChannelType, c: ChannelFormConfig): Record<string, unknown> {
  const trim = (v: string | undefined) => (v ?? "").trim();
  switch (type) {
    case "webhook":
      return { url: trim(c.url), secret: c.secret ?? "" };
    case "sms":
      return { url: trim(c.url), secret: c.secret ?? "", phoneNumbers: (c.phoneNumbers ?? []).map((p) => p.trim()) };
    case "email": {
      const user = trim(c.user);
      // No user: no password either (the server refuses a password without a user).
      return {
        host: trim(c.host),
        port: c.port ?? 465,
        security: c.security ?? "tls",
        ...(user ? { user } : {}),
        ...(user && c.password ? { password: c.password } : {}),
        from: trim(c.from),
        to: (c.to ?? []).map((a) => a.trim()),
        ...(c.ignoreTls ? { ignoreTls: true } : {}),
      };
    }
    case "console":
      return { roles: c.roles ?? [], userIds: c.userIds ?? [] };
  }
}

/** A signing secret as the form checks it: the mask (keep the stored one) or 16 to 256 characters. */
export function secretOk(value: string | undefined, stored: boolean): boolean {
  if (value === MASK) return stored;
  return (value ?? "").length >= 16 && (value ?? "").length <= 256;
}

/** Where a channel sends, for the list: the URL's host, the e-mail recipients, the console's addressees. */
export function targetOf(type: ChannelType, config: Record<string, unknown>): string {
  switch (type) {
    case "webhook":
    case "sms": {
      try {
        const host = new URL(String(config.url)).host;
        const phones = Array.isArray(config.phoneNumbers) ? config.phoneNumbers.length : 0;
        return type === "sms" ? `${host} · ${phones}` : host;
      } catch {
        return String(config.url ?? "");
      }
    }
    case "email":
      return Array.isArray(config.to) ? config.to.join(", ") : "";
    case "console":
      return [
        ...(Array.isArray(config.roles) ? config.roles : []),
        ...(Array.isArray(config.userIds) ? config.userIds.map((id: string) => id.slice(0, 8)) : []),
      ].join(", ");
  }
}
