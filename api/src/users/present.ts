import { type FieldCipher, maskEmail, maskPhone } from "../crypto/fields";
import type { MembershipDto, UserDto } from "./schemas";
import type { MembershipRow, UserRow } from "./store";

export const phonePlace = (userId: string) => `users.phone:${userId}`;
export const emailPlace = (userId: string) => `users.email:${userId}`;

/** Clear personal data of one account; only for GET …/personal-data (audited) and masking. */
export function openPersonal(fields: FieldCipher, row: Pick<UserRow, "id" | "phone_enc" | "email_enc">) {
  return {
    phone: row.phone_enc ? fields.open(row.phone_enc, phonePlace(row.id)) : null,
    email: row.email_enc ? fields.open(row.email_enc, emailPlace(row.id)) : null,
  };
}

export function toMembershipDto(m: MembershipRow): MembershipDto {
  return {
    departmentId: m.department_id,
    departmentName: m.department_name,
    dimensionId: m.dimension_id,
    isPrimary: m.is_primary,
    postId: m.post_id,
    postName: m.post_name,
    title: m.title,
    sortOrder: m.sort_order,
  };
}

/** The account as the API shows it: personal data masked, never a hash or a ciphertext. */
export function toUserDto(fields: FieldCipher, row: UserRow, memberships: MembershipRow[], now = new Date()): UserDto {
  const clear = openPersonal(fields, row);
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    employeeNo: row.employee_no,
    phone: clear.phone === null ? null : maskPhone(clear.phone),
    email: clear.email === null ? null : maskEmail(clear.email),
    status: row.status,
    locked: row.locked_until !== null && row.locked_until > now,
    lockedUntil: row.locked_until?.toISOString() ?? null,
    mustChangePassword: row.must_change_password,
    clearanceLevel: row.clearance_level,
    attributes: row.attributes,
    role: row.role,
    memberships: memberships.map(toMembershipDto),
    deletedAt: row.deleted_at?.toISOString() ?? null,
    eraseAfter: row.erase_after?.toISOString() ?? null,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const AUDITED_FIELDS = [
  "displayName",
  "employeeNo",
  "phone",
  "email",
  "status",
  "clearanceLevel",
  "attributes",
  "memberships",
] as const;

/**
 * Before/after of the fields that changed, for the audit detail. It is built from DTOs, so phone
 * and e-mail are already masked: the audit log never holds them in the clear.
 */
export function changesOf(before: UserDto | null, after: UserDto | null): Record<string, unknown> {
  const pick = (dto: UserDto | null, key: (typeof AUDITED_FIELDS)[number]) =>
    dto === null
      ? undefined
      : key === "memberships"
        ? dto.memberships.map((m) => ({
            departmentId: m.departmentId,
            isPrimary: m.isPrimary,
            postId: m.postId,
            title: m.title,
          }))
        : dto[key];
  const out: { before: Record<string, unknown>; after: Record<string, unknown> } = { before: {}, after: {} };
  for (const key of AUDITED_FIELDS) {
    const b = pick(before, key);
    const a = pick(after, key);
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    if (b !== undefined) out.before[key] = b;
    if (a !== undefined) out.after[key] = a;
  }
  return out;
}

/** Which fields changed, by name only: what the org change feed may say about a person. */
export function changedFieldNames(before: UserDto, after: UserDto): string[] {
  const { before: b, after: a } = changesOf(before, after) as {
    before: Record<string, unknown>;
    after: Record<string, unknown>;
  };
  return [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => k !== "memberships");
}
