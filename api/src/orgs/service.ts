import type { AclIntegrity } from "../authz/integrity";
import type { Db } from "../db/pool";
import * as departments from "./department-service";
import { mergeDepartment, moveDepartment } from "./department-restructure";
import * as dimensions from "./dimensions";
import { readOrgChanges } from "./feed";
import * as posts from "./posts";
import { createTenantService, type TenantService } from "./tenants";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any: parameter lists vary per function
type DbFn = (db: Db, ...args: any[]) => unknown;
type Bound<T extends Record<string, DbFn>> = {
  [K in keyof T]: T[K] extends (db: Db, ...args: infer A) => infer R ? (...args: A) => R : never;
};

/** Partially applies `db` to each service function, so routes never see the database handle. */
function bindDb<T extends Record<string, DbFn>>(db: Db, fns: T): Bound<T> {
  return Object.fromEntries(
    Object.entries(fns).map(([name, fn]) => [name, (...args: unknown[]) => fn(db, ...args)]),
  ) as Bound<T>;
}

export interface OrgServices {
  tenants: TenantService;
  dimensions: ReturnType<typeof bindDimensions>;
  posts: ReturnType<typeof bindPosts>;
  departments: ReturnType<typeof bindDepartments>;
  changes: {
    read: (
      ...args: Parameters<typeof readOrgChanges> extends [Db, ...infer A] ? A : never
    ) => ReturnType<typeof readOrgChanges>;
  };
}

const bindDimensions = (db: Db) =>
  bindDb(db, {
    list: dimensions.listDimensions,
    get: dimensions.getDimension,
    create: dimensions.createDimension,
    update: dimensions.updateDimension,
    remove: dimensions.deleteDimension,
  });
const bindPosts = (db: Db) =>
  bindDb(db, {
    list: posts.listPosts,
    get: posts.getPost,
    create: posts.createPost,
    update: posts.updatePost,
    remove: posts.deletePost,
  });
const bindDepartments = (db: Db) =>
  bindDb(db, {
    list: departments.listVisibleDepartments,
    tree: departments.departmentTree,
    get: departments.getVisibleDepartment,
    create: departments.createDepartment,
    update: departments.updateDepartment,
    remove: departments.deleteDepartment,
    setStatus: departments.setDepartmentStatus,
    reorder: departments.reorderDepartments,
    move: moveDepartment,
    merge: mergeDepartment,
  });

export function createOrgServices(deps: {
  db: Db;
  platformTenantId: string;
  pbkdf2Iterations: number;
  /** MACs the role assignments of a new tenant's admin accounts (authz/integrity.ts). */
  integrity: AclIntegrity;
}): OrgServices {
  const { db } = deps;
  return {
    tenants: createTenantService(db, deps.platformTenantId, deps.pbkdf2Iterations, deps.integrity),
    dimensions: bindDimensions(db),
    posts: bindPosts(db),
    departments: bindDepartments(db),
    changes: { read: (...args) => readOrgChanges(db, ...args) },
  };
}
