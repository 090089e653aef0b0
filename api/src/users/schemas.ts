import { listQuery } from "../http/list";
import { z } from "../http/zod";
import { EMPLOYEE_NO, USERNAME } from "./fields";

const Uuid = z.uuid();
const DisplayName = z.string().trim().min(1).max(100);
const EmployeeNo = z.string().trim().regex(EMPLOYEE_NO, "letters, digits, . _ - (at most 64)");
// Shape only; the service validates the value (mainland mobile, e-mail) with a clear message.
const Phone = z.string().trim().max(32);
const Email = z.string().trim().max(254);
const Title = z.string().trim().min(1).max(100);

/** secadmin-defined ABAC subject attributes: flat, small, scalar values. */
export const Attributes = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "letters, digits and _ (at most 64)"),
    z.union([z.string().max(200), z.number().finite(), z.boolean()]),
  )
  .refine((a) => Object.keys(a).length <= 32, { message: "at most 32 attributes" });

export const MembershipInput = z.strictObject({
  departmentId: Uuid,
  isPrimary: z.boolean().optional(),
  postId: Uuid.nullable().optional(),
  title: Title.nullable().optional(),
  sortOrder: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});
export type MembershipInput = z.infer<typeof MembershipInput>;
export const MembershipsBody = z.array(MembershipInput).max(50).openapi("UserMembershipsInput");

export const CreateUserBody = z
  .strictObject({
    username: z.string().regex(USERNAME, "letters, digits and . _ @ - (at most 64)"),
    displayName: DisplayName,
    employeeNo: EmployeeNo.optional(),
    phone: Phone.optional(),
    email: Email.optional(),
    clearanceLevel: z.number().int().min(0).max(9).optional(),
    attributes: Attributes.optional(),
    memberships: MembershipsBody.optional(),
  })
  .openapi("CreateUserRequest");
export type CreateUserBody = z.infer<typeof CreateUserBody>;

/** Username is the sign-in identity and never changes; memberships change through PUT …/memberships. */
export const PatchUserBody = z
  .strictObject({
    displayName: DisplayName.optional(),
    employeeNo: EmployeeNo.nullable().optional(),
    phone: Phone.nullable().optional(),
    email: Email.nullable().optional(),
    clearanceLevel: z.number().int().min(0).max(9).optional(),
    attributes: Attributes.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("PatchUserRequest");
export type PatchUserBody = z.infer<typeof PatchUserBody>;

export const MembershipSchema = z
  .object({
    departmentId: z.string(),
    departmentName: z.string(),
    dimensionId: z.string(),
    isPrimary: z.boolean(),
    postId: z.string().nullable(),
    postName: z.string().nullable(),
    title: z.string().nullable(),
    sortOrder: z.number().int(),
  })
  .openapi("UserMembership");
export type MembershipDto = z.infer<typeof MembershipSchema>;

export const USER_STATUSES = ["active", "disabled", "deleted"] as const;

export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    employeeNo: z.string().nullable(),
    phone: z.string().nullable().describe("Masked (138****1234); the clear value is GET …/personal-data"),
    email: z.string().nullable().describe("Masked (z***@example.cn)"),
    status: z.enum(USER_STATUSES),
    locked: z.boolean(),
    lockedUntil: z.string().nullable(),
    mustChangePassword: z.boolean(),
    clearanceLevel: z.number().int(),
    attributes: z.record(z.string(), z.unknown()),
    role: z.string().nullable().describe("The built-in role (sysadmin/secadmin/auditadmin/viewer) or null"),
    memberships: z.array(MembershipSchema),
    deletedAt: z.string().nullable(),
    eraseAfter: z.string().nullable().describe("When a deleted account's personal data is erased"),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("User");
export type UserDto = z.infer<typeof UserSchema>;

export const CreatedUserSchema = z
  .object({ user: UserSchema, oneTimePassword: z.string().describe("Shown once; must be changed at first sign-in") })
  .openapi("CreatedUser");
export const OneTimePasswordSchema = z.object({ oneTimePassword: z.string() }).openapi("OneTimePassword");
export const PersonalDataSchema = z
  .object({ phone: z.string().nullable(), email: z.string().nullable() })
  .openapi("UserPersonalData");

export const USER_SORTABLE = ["createdAt", "updatedAt", "username", "displayName", "employeeNo", "status"] as const;

const BoolParam = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** Filters shared by the list and the export. */
export const userFilterShape = {
  q: z.string().trim().min(1).max(64).optional(),
  phone: z.string().trim().min(1).max(32).optional(),
  email: z.string().trim().min(1).max(254).optional(),
  departmentId: Uuid.optional(),
  includeSubDepartments: BoolParam.optional(),
  dimensionId: Uuid.optional(),
  postId: Uuid.optional(),
  title: Title.optional(),
  status: z.enum(USER_STATUSES).optional(),
};
export const UserFilterQuery = z.strictObject(userFilterShape);
export type UserFilter = z.infer<typeof UserFilterQuery>;

export const UserListQuery = listQuery(USER_SORTABLE, "createdAt").safeExtend(userFilterShape);
export type UserSort = (typeof USER_SORTABLE)[number];

export const UserIdParams = z.strictObject({ id: Uuid });

export const ImportQuery = z.strictObject({ dryRun: BoolParam.default(true) });
export const ImportErrorSchema = z
  .object({ row: z.number().int(), field: z.string(), message: z.string(), zh: z.string() })
  .openapi("UserImportError");
export const ImportResultSchema = z
  .object({
    total: z.number().int().describe("Data rows read"),
    created: z.number().int().describe("Accounts created (0 for a dry run or when any row has an error)"),
    dryRun: z.boolean(),
    encoding: z.enum(["utf-8", "gb18030", "xlsx"]).describe("How the upload was decoded"),
    errors: z.array(ImportErrorSchema),
  })
  .openapi("UserImportResult");
export type ImportResult = z.infer<typeof ImportResultSchema>;
