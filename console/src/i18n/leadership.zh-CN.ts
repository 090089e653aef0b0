/** Chinese texts of the leadership dashboard (领导看板) and the viewer role. */
export const leadershipResourcesZhCN = {
  leadership: {
    title: "领导看板",
    description: "各应用本月可用率与错误预算、近 90 天运行情况、SLA 趋势，以及未结事件与处置时限。只读。",
  },
  viewers: {
    title: "领导账号",
    description: "授予或收回只读的领导角色：可查看领导看板（SLA 与事件），不能修改任何内容。账号由系统管理员创建。",
  },
};

export const leadershipZhCN = {
  viewers: {
    assign: "授予领导角色",
    user: "账号",
    userHint:
      "须为系统管理员已创建的普通账号；持有三员角色的账号不能再授予（每个账号至多一个内置角色）。授予或收回后，该账号需重新登录。",
    userRequired: "请选择账号",
    searchUser: "按姓名、用户名或拼音搜索",
    status: "账号状态",
    statuses: { active: "正常", disabled: "已停用" },
    assignedAt: "授予时间（北京时间）",
    actions: "操作",
    revoke: "收回",
    confirmRevoke: "收回 {{user}} 的领导角色？",
    revokeHint: "该账号的所有会话将立即结束，之后不再能查看领导看板。",
    assigned: "已授予领导角色",
    revoked: "已收回领导角色",
    total: "共 {{total}} 个领导账号",
    submit: "授予",
    cancel: "取消",
  },
  refresh: "刷新",
  updatedAt: "更新于 {{time}}",
  cards: {
    title: "本月可用率",
    month: "共 {{count}} 个应用",
    none: "尚无应用：系统管理员在“监控”中登记应用并关联监控项后，这里显示其可用率。",
    platform: "平台",
    availability: "可用率（本月）",
    target: "目标 {{target}}",
    budget: "剩余错误预算",
    budgetMinutes: "剩余 {{left}} 分钟 / 共 {{total}} 分钟",
    overspent: "已超支",
    overspentMinutes: "超支 {{over}} 分钟 / 共 {{total}} 分钟",
    level: { green: "达标", orange: "预算紧张", red: "未达标", grey: "无数据" },
  },
  bars: {
    title: "近 {{days}} 天运行情况",
    none: "暂无数据",
    noData: "无数据",
    day: "可用率 {{availability}}",
    down: "故障 {{minutes}} 分钟",
    legend:
      "每格一天（北京时间），最右为今天。绿：达标；橙：未达标但故障较短；红：未达标；灰：无数据。右侧为 {{days}} 天合计。",
  },
  trend: {
    title: "SLA 趋势（近 {{days}} 天）",
    none: "暂无数据",
    aria: "每日可用率与目标的折线图",
    availability: "每日可用率",
    target: "目标",
    all: "全部应用（合并）",
  },
  incidents: {
    title: "未结事件",
    total: "共 {{total}} 起",
    none: "当前没有未结事件",
    number: "编号",
    grade: "等级",
    subject: "标题",
    state: "状态",
    openedAt: "发生时间（北京时间）",
    respondBy: "响应时限",
    fixBy: "修复时限",
    more: "显示修复时限最近的 {{shown}} 起，共 {{total}} 起。",
  },
};
