import type { FieldError } from "../http/errors";

/**
 * Password rules. secadmin configures them per tenant (SecuritySettings.passwordPolicy); the
 * 等保三级 defaults below apply when no policy is passed. History and age are checked by the service.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MIN_CLASSES = 3;
export const PASSWORD_MAX_LENGTH = 128;

const CLASSES: [RegExp, string][] = [
  [/[a-z]/, "lower"],
  [/[A-Z]/, "upper"],
  [/[0-9]/, "digit"],
  [/[^A-Za-z0-9]/, "symbol"],
];

export interface PasswordRules {
  minLength: number;
  minClasses: number;
}

const CLASS_NAMES_ZH = ["", "一", "两", "三", "四"];

export function checkPassword(
  password: string,
  ctx: { username: string; currentPassword?: string },
  rules: PasswordRules = { minLength: PASSWORD_MIN_LENGTH, minClasses: PASSWORD_MIN_CLASSES },
): FieldError[] {
  const errors: FieldError[] = [];
  const add = (message: string, zh: string) => errors.push({ path: "body.newPassword", message, zh });
  if (password.length < rules.minLength) {
    add(`Use at least ${rules.minLength} characters.`, `密码长度至少 ${rules.minLength} 位。`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    add(`Use at most ${PASSWORD_MAX_LENGTH} characters.`, `密码长度不能超过 ${PASSWORD_MAX_LENGTH} 位。`);
  }
  const classes = CLASSES.filter(([re]) => re.test(password)).length;
  if (classes < rules.minClasses) {
    add(
      `Use at least ${rules.minClasses} of: lower-case letters, upper-case letters, digits, symbols.`,
      `须包含大写字母、小写字母、数字、符号中的至少${CLASS_NAMES_ZH[rules.minClasses] ?? rules.minClasses}类。`,
    );
  }
  if (ctx.username && password.toLowerCase().includes(ctx.username.toLowerCase())) {
    add("The password must not contain the username.", "密码不能包含用户名。");
  }
  if (ctx.currentPassword !== undefined && password === ctx.currentPassword) {
    add("The new password must differ from the current one.", "新密码不能与当前密码相同。");
  }
  return errors;
}

/** A random password that passes checkPassword, for first-start admin accounts. */
export function generatePassword(randomInt: (max: number) => number): string {
  const sets = ["abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_.!@#%+="];
  const all = sets.join("");
  const chars = sets.map((set) => set[randomInt(set.length)] as string);
  while (chars.length < 20) chars.push(all[randomInt(all.length)] as string);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join("");
}
