import { pinyin } from "pinyin-pro";
import type { FieldError } from "../http/errors";

/**
 * Pure rules for the personal and searchable fields of an account, shared by the HTTP routes and
 * the CSV/XLSX import so both refuse the same values with the same messages.
 */

const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/**
 * A mainland mobile number in its canonical 11-digit form, or null when it is not one.
 * Accepts the forms people actually type: spaces and dashes, and a +86 / 0086 / 86 prefix.
 */
export function normalisePhone(input: string): string | null {
  let digits = input.trim().replace(/[\s()-]/g, "");
  if (digits.startsWith("+86")) digits = digits.slice(3);
  else if (digits.startsWith("0086")) digits = digits.slice(4);
  else if (digits.length === 13 && digits.startsWith("86")) digits = digits.slice(2);
  return MAINLAND_MOBILE.test(digits) ? digits : null;
}

// Deliberately plain: one @, a dotted domain, no spaces or quotes; RFC 5321 length limits.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** An e-mail address lower-cased (the blind index must not depend on how it was typed), or null. */
export function normaliseEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  if (email.length > 254 || (email.split("@")[0]?.length ?? 0) > 64) return null;
  return EMAIL.test(email) ? email : null;
}

export const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
export const EMPLOYEE_NO = /^[A-Za-z0-9._-]{1,64}$/;

/** The pinyin (full, no tones) and initials of a display name, lower-case, for prefix search. */
export function nameKeys(displayName: string): { pinyin: string; initials: string } {
  const syllables = pinyin(displayName, {
    type: "array",
    toneType: "none",
    nonZh: "consecutive",
    surname: "head",
    v: true,
  });
  const words = syllables.flatMap((s) => s.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length > 0);
  return {
    pinyin: words.join("").slice(0, 400),
    initials: words
      .map((w) => w[0])
      .join("")
      .slice(0, 100),
  };
}

/** Lower-case, without spaces: how a query is compared with the stored pinyin and initials. */
export function pinyinQuery(q: string): string {
  return q.toLowerCase().replace(/\s+/g, "");
}

export interface PersonalInput {
  phone?: string | null | undefined;
  email?: string | null | undefined;
}

export interface NormalisedPersonal {
  phone?: string | null;
  email?: string | null;
}

/**
 * Validates phone and e-mail (undefined: not given, null: clear it); returns the canonical values
 * and one error per bad field, with `path` prefixed as the caller reports it ("body", a CSV column).
 */
export function checkPersonal(
  input: PersonalInput,
  prefix: string,
): { value: NormalisedPersonal; errors: FieldError[] } {
  const value: NormalisedPersonal = {};
  const errors: FieldError[] = [];
  if (input.phone === null || input.phone === "") value.phone = null;
  else if (input.phone !== undefined) {
    const phone = normalisePhone(input.phone);
    if (phone) value.phone = phone;
    else
      errors.push({
        path: `${prefix}phone`,
        message: "Not a mainland mobile number (11 digits starting 13–19, optionally +86).",
        zh: "手机号格式不正确（应为 11 位中国大陆手机号，可带 +86）。",
      });
  }
  if (input.email === null || input.email === "") value.email = null;
  else if (input.email !== undefined) {
    const email = normaliseEmail(input.email);
    if (email) value.email = email;
    else errors.push({ path: `${prefix}email`, message: "Not a valid e-mail address.", zh: "电子邮箱格式不正确。" });
  }
  return { value, errors };
}
