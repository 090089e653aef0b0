import dayjs from "dayjs";
import timezone from "dayjs/plugin/timezone";
import utc from "dayjs/plugin/utc";
import "dayjs/locale/zh-cn";

dayjs.extend(utc);
dayjs.extend(timezone);

/** The wire carries ISO 8601 UTC; people read Beijing time whatever their browser's zone is. */
export const DISPLAY_TIME_ZONE = "Asia/Shanghai";

export function formatBeijingTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const time = dayjs.utc(iso);
  return time.isValid() ? time.tz(DISPLAY_TIME_ZONE).format("YYYY-MM-DD HH:mm:ss") : iso;
}

/** dayjs (used by antd's date pickers) follows the UI language. */
export function setDayjsLocale(locale: string): void {
  dayjs.locale(locale === "zh-CN" ? "zh-cn" : "en");
}
