import dayjs, { type Dayjs } from "dayjs";
import { DISPLAY_TIME_ZONE } from "../../time";

export const WALL_CLOCK = "YYYY-MM-DDTHH:mm:ss";

/*
 * The picker works in the browser's zone, the console shows Beijing time: a picked 09:00 means 09:00 in Beijing,
 * whatever zone the browser is in. So the picker's wall-clock time is re-read as Beijing time on the way out,
 * and an ISO instant is turned into Beijing wall-clock time on the way in.
 */
export function toIso(value: Dayjs | null | undefined): string | undefined {
  if (!value) return undefined;
  return dayjs.tz(value.format(WALL_CLOCK), DISPLAY_TIME_ZONE).toISOString();
}

export function fromIso(iso: string | undefined): Dayjs | null {
  if (!iso) return null;
  const instant = dayjs.utc(iso);
  return instant.isValid() ? dayjs(instant.tz(DISPLAY_TIME_ZONE).format(WALL_CLOCK)) : null;
}
