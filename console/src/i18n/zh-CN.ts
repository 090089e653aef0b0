import { alertingResourcesZhCN, alertsZhCN, channelsZhCN, messageCentreZhCN } from "./alerting.zh-CN";
import { auditResourcesZhCN, auditWorkspaceZhCN } from "./audit.zh-CN";
import { authzResourcesZhCN, authzZhCN } from "./authz.zh-CN";
import { identityZhCN } from "./identity.zh-CN";
import { incidentsZhCN } from "./incidents.zh-CN";
import { leadershipResourcesZhCN, leadershipZhCN } from "./leadership.zh-CN";
import { orgResourcesZhCN, orgZhCN } from "./org.zh-CN";
import { peopleZhCN } from "./people.zh-CN";
import { monitorsZhCN } from "./monitors.zh-CN";
import { watermarksZhCN } from "./watermarks.zh-CN";
import { wordsZhCN } from "./words.zh-CN";

/**
 * Chinese (default) console texts. `en.ts` must have exactly the same keys: its type is derived from this object.
 * Placeholders use `{{name}}` and are filled by the i18n provider.
 */
export const zhCN = {
  app: {
    name: "天枢 Tianshu",
    tagline: "管理 · 安全 · 合规控制台",
    loading: "加载中…",
  },
  roles: {
    sysadmin: "系统管理员",
    secadmin: "安全保密管理员",
    auditadmin: "安全审计员",
    viewer: "领导（只读）",
    none: "无管理角色",
  },
  workspaces: {
    sysadmin: "系统管理",
    secadmin: "安全保密管理",
    auditadmin: "安全审计",
    viewer: "领导视图",
  },
  header: {
    language: "语言",
    changePassword: "修改密码",
    logout: "退出登录",
  },
  login: {
    title: "登录",
    subtitle: "三员分立的管理、安全与合规控制台",
    username: "用户名",
    password: "密码",
    usernameRequired: "请输入用户名",
    passwordRequired: "请输入密码",
    submit: "登录",
    failed: "登录失败",
  },
  password: {
    title: "修改密码",
    forced: "首次登录或密码已被重置：请先设置新密码，之后才能进入工作台。",
    voluntary: "设置新密码后，其他设备上的会话可能需要重新登录。",
    current: "当前密码",
    next: "新密码",
    confirm: "确认新密码",
    required: "请填写此项",
    mismatch: "两次输入的新密码不一致",
    rules: "至少 12 位；大写字母、小写字母、数字、符号中至少包含三类；不能包含用户名。",
    submit: "确认修改",
    failed: "修改密码失败",
    success: "密码已修改",
    back: "返回工作台",
  },
  resources: {
    tenants: { title: "租户", description: "创建、停用和启用租户；各租户的数据彼此隔离，新租户自带三员账号。" },
    "org-units": {
      title: "组织架构",
      description: "维护各维度的部门树：新建、拖拽移动、排序、合并、停用，查看部门成员。",
    },
    users: {
      title: "用户",
      description: "账号的创建、停用、解锁与密码重置；手机号、证件号等个人信息加密存储，列表中脱敏显示。",
    },
    apps: { title: "应用市场", description: "应用的上架、下架、版本管理与可见范围设置。" },
    monitors: { title: "监控", description: "服务探测、SLA 统计、告警规则与故障记录。" },
    backups: { title: "备份", description: "备份计划、加密备份的执行记录与恢复演练。" },
    policies: {
      title: "访问策略",
      description: "编写、校验、模拟和发布基于属性的访问控制（ABAC）策略，可恢复历史版本。",
    },
    "security-settings": {
      title: "安全设置",
      description: "密码策略、登录失败锁定、会话超时与双因素认证。",
    },
    watermarks: { title: "水印", description: "屏幕水印与文档水印策略的配置与预览。" },
    "sensitive-words": { title: "敏感词", description: "敏感词库的维护、导入与命中统计。" },
    "auditor-events": {
      title: "审计员日志",
      description: "安全审计员本人的操作记录，供安全保密管理员复核。",
    },
    "audit-events": {
      title: "审计日志",
      description: "系统管理员与安全保密管理员的全部操作记录，包括失败和被拒绝的尝试。",
    },
    "compliance-reports": {
      title: "合规报告",
      description: "等保三级自评估、SLA 与服务周报的生成与导出。",
    },
    ...orgResourcesZhCN,
    ...authzResourcesZhCN,
    ...auditResourcesZhCN,
    ...leadershipResourcesZhCN,
    ...alertingResourcesZhCN,
  },
  placeholder: {
    later: "该功能将在后续版本中提供。",
    planned: "规划内容",
  },
  audit: {
    fields: {
      seq: "序号",
      occurredAt: "时间（北京时间）",
      actorName: "操作人",
      actorRole: "角色",
      action: "操作",
      targetType: "对象类型",
      targetId: "对象标识",
      result: "结果",
      ip: "IP 地址",
      requestId: "请求 ID",
    },
    results: {
      success: "成功",
      failure: "失败",
      denied: "拒绝",
    },
    total: "共 {{total}} 条",
    loadFailed: "审计日志加载失败",
    refresh: "刷新",
    ...auditWorkspaceZhCN,
  },
  errors: {
    forbidden: "无权访问",
    forbiddenHint: "当前角色的职责不包含此页面。",
    notFound: "页面不存在",
    noWorkspace: "当前账号没有可用的管理工作台",
    network: "无法连接服务器，请稍后重试",
    unknown: "发生未知错误",
    backHome: "返回首页",
  },
  identity: identityZhCN,
  org: orgZhCN,
  authz: authzZhCN,
  people: peopleZhCN,
  words: wordsZhCN,
  watermarks: watermarksZhCN,
  incidents: incidentsZhCN,
  leadership: leadershipZhCN,
  messageCentre: messageCentreZhCN,
  alerts: alertsZhCN,
  channels: channelsZhCN,
  monitors: monitorsZhCN,
};
