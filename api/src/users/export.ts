import ExcelJS from "exceljs";
import type { Response } from "express";
import { actorOf, record } from "../audit/record";
import { maskPhone } from "../crypto/fields";
import type { RequestContext } from "../http/context";
import { PayloadTooLarge } from "../http/errors";
import { callerOf } from "./access";
import type { UserServiceDeps } from "./deps";
import { XLSX_TYPE } from "./import-file";
import { toUserDto } from "./present";
import type { UserFilter } from "./schemas";
import type { UserService } from "./service";
import { exportPage, membershipsOf, userSearchWhere } from "./store";

export const MAX_EXPORT_ROWS = 200_000;
const PAGE = 1000;

const COLUMNS = [
  { header: "用户名 username", key: "username", width: 20 },
  { header: "姓名 displayName", key: "displayName", width: 16 },
  { header: "工号 employeeNo", key: "employeeNo", width: 14 },
  { header: "手机号 phone", key: "phone", width: 16 },
  { header: "邮箱 email", key: "email", width: 24 },
  { header: "状态 status", key: "status", width: 10 },
  { header: "角色 role", key: "role", width: 12 },
  { header: "部门 departments", key: "departments", width: 40 },
  { header: "岗位 posts", key: "posts", width: 20 },
  { header: "职务 titles", key: "titles", width: 20 },
  { header: "创建时间 createdAt", key: "createdAt", width: 24 },
];

/**
 * GET /users/export: the same filters and visibility as the list, streamed as XLSX page by page
 * (keyset on id), personal data masked. The export is audited (who, which filters, how many rows)
 * before the first byte is sent.
 */
export function createExporter(deps: UserServiceDeps, users: Pick<UserService, "searchFilter">) {
  const { db, fields } = deps;
  return async function exportUsers(ctx: RequestContext, filter: UserFilter, res: Response): Promise<void> {
    const caller = callerOf(ctx);
    const where = users.searchFilter(caller, filter);
    const count = await db
      .selectFrom("users as u")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where(userSearchWhere(where))
      .executeTakeFirstOrThrow();
    const total = Number(count.n);
    if (total > MAX_EXPORT_ROWS) {
      throw new PayloadTooLarge(
        "EXPORT_TOO_LARGE",
        `The export would hold ${total} accounts; narrow the filters to at most ${MAX_EXPORT_ROWS}.`,
        `导出结果 ${total} 条，超过 ${MAX_EXPORT_ROWS} 条上限，请缩小筛选范围。`,
      );
    }
    await record(db, {
      ...actorOf(ctx),
      action: "user.export",
      targetType: "User",
      result: "success",
      detail: {
        rows: total,
        // A phone or e-mail filter is personal data: the audit log keeps only its masked form.
        filter: {
          ...filter,
          ...(filter.phone ? { phone: maskPhone(filter.phone) } : {}),
          ...(filter.email ? { email: "***" } : {}),
        },
      },
    });
    const stamp = new Date().toISOString().slice(0, 10).replaceAll("-", "");
    res.status(200);
    res.setHeader("content-type", XLSX_TYPE);
    res.setHeader("content-disposition", `attachment; filename="users-${stamp}.xlsx"`);
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: res, useStyles: false, useSharedStrings: false });
    const sheet = workbook.addWorksheet("users");
    sheet.columns = COLUMNS;
    let after: string | null = null;
    for (;;) {
      const rows = await exportPage(db, where, after, PAGE);
      if (rows.length === 0) break;
      const memberships = await membershipsOf(
        db,
        rows.map((r) => r.id),
      );
      for (const row of rows) {
        const dto = toUserDto(
          fields,
          row,
          memberships.filter((m) => m.user_id === row.id),
        );
        sheet
          .addRow({
            username: dto.username,
            displayName: dto.displayName,
            employeeNo: dto.employeeNo ?? "",
            phone: dto.phone ?? "",
            email: dto.email ?? "",
            status: dto.status,
            role: dto.role ?? "",
            departments: dto.memberships.map((m) => `${m.departmentName}${m.isPrimary ? "(主)" : ""}`).join("; "),
            posts: dto.memberships.flatMap((m) => (m.postName ? [m.postName] : [])).join("; "),
            titles: dto.memberships.flatMap((m) => (m.title ? [m.title] : [])).join("; "),
            createdAt: dto.createdAt,
          })
          .commit();
      }
      after = rows.at(-1)?.id ?? null;
      if (rows.length < PAGE) break;
    }
    sheet.commit();
    await workbook.commit();
  };
}
