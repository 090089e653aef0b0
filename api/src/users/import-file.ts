import {
  CSV_TYPE,
  parseCsvSheet,
  parseXlsxSheet,
  type Sheet as AnySheet,
  type SheetRow as AnySheetRow,
  type SheetSpec,
  XLSX_TYPE,
} from "../http/sheet";

export { CSV_TYPE, XLSX_TYPE };
export const MAX_IMPORT_ROWS = 10_000;
export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;

/** The import columns; a header may use the English key or the Chinese name the console shows. */
export const IMPORT_COLUMNS = {
  username: "用户名",
  displayName: "姓名",
  employeeNo: "工号",
  phone: "手机号",
  email: "邮箱",
  department: "部门",
  post: "岗位",
  title: "职务",
  isPrimary: "主部门",
} as const;
export type ImportColumn = keyof typeof IMPORT_COLUMNS;
export type SheetRow = AnySheetRow<ImportColumn>;
export type Sheet = AnySheet<ImportColumn>;

const USER_SHEET: SheetSpec<ImportColumn> = {
  columns: IMPORT_COLUMNS,
  required: ["username", "displayName"],
  maxRows: MAX_IMPORT_ROWS,
};

export const parseCsv = (buffer: Buffer, charset: string | undefined): Sheet =>
  parseCsvSheet(buffer, charset, USER_SHEET);
export const parseXlsx = (buffer: Buffer): Promise<Sheet> => parseXlsxSheet(buffer, USER_SHEET);
