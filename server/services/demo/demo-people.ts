import type { Role } from '../users/users.js';
import { pick, seededRandom, streamSeed, type Random } from './seeded-random.js';

/** Who works a step, read from its owner role (the BPMN lane). */
export type Team = 'desk' | 'lead' | 'tech' | 'specialist' | 'management' | 'department' | 'relations';

export interface DemoUser {
  email: string;
  name: string;
  role: Role;
  team: Team;
  /** Front-desk shift: early 08:00–15:00, late 15:00–22:00 (Asia/Shanghai). */
  shift?: 'early' | 'late';
  /** Takes this much longer than the median before the optimization (a new hire, say); 1 when absent. */
  slowness?: number;
}

/** The demo's staff. They act on tickets and exist as users, so the pages can show who did what. */
export const ROSTER: readonly DemoUser[] = [
  { email: 'li.na@demo', name: '李娜 Li Na', role: 'agent', team: 'desk', shift: 'early' },
  { email: 'wang.wei@demo', name: '王伟 Wang Wei', role: 'agent', team: 'desk', shift: 'early' },
  { email: 'zhang.min@demo', name: '张敏 Zhang Min', role: 'agent', team: 'desk', shift: 'early' },
  { email: 'emma@demo', name: 'Emma Liu', role: 'agent', team: 'desk', shift: 'late' },
  { email: 'chen.jie@demo', name: '陈杰 Chen Jie', role: 'agent', team: 'desk', shift: 'late' },
  { email: 'liu.yang@demo', name: '刘洋 Liu Yang', role: 'agent', team: 'desk', shift: 'late', slowness: 1.4 },
  { email: 'huang.li@demo', name: '黄丽 Huang Li', role: 'agent', team: 'lead' },
  { email: 'zhao.lei@demo', name: '赵磊 Zhao Lei', role: 'agent', team: 'tech' },
  { email: 'sun.hao@demo', name: '孙浩 Sun Hao', role: 'agent', team: 'tech' },
  { email: 'david@demo', name: 'David Chen', role: 'agent', team: 'tech', slowness: 1.2 },
  { email: 'wu.fang@demo', name: '吴芳 Wu Fang', role: 'agent', team: 'specialist' },
  { email: 'zhou.jun@demo', name: '周军 Zhou Jun', role: 'agent', team: 'specialist' },
  { email: 'xu.tao@demo', name: '徐涛 Xu Tao', role: 'agent', team: 'department' },
  { email: 'lin.xia@demo', name: '林霞 Lin Xia', role: 'agent', team: 'relations' },
  { email: 'ma.qiang@demo', name: '马强 Ma Qiang', role: 'manager', team: 'management' },
];

const TEAM_BY_OWNER: Array<[RegExp, Team]> = [
  [/technical|技术支持/i, 'tech'],
  [/specialist|专家/i, 'specialist'],
  [/owning department|责任部门/i, 'department'],
  [/management|管理层/i, 'management'],
  [/customer relations|客户关系/i, 'relations'],
  [/team lead|组长/i, 'lead'],
];

/** The team behind an owner role such as "技术支持 Technical support"; the front desk when unknown. */
export function teamOf(owner: string | undefined): Team {
  for (const [pattern, team] of TEAM_BY_OWNER) if (owner && pattern.test(owner)) return team;
  return 'desk';
}

/** Everyone of a team; the front desk by shift when one is given. */
export function staffOf(team: Team, shift?: 'early' | 'late'): DemoUser[] {
  const members = ROSTER.filter((u) => u.team === team);
  const onShift = shift ? members.filter((u) => u.shift === shift) : members;
  return onShift.length ? onShift : members.length ? members : ROSTER.filter((u) => u.team === 'desk');
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林', '何', '郭', '马', '罗'];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '霞',
  '平',
  '刚',
  '桂英',
  '晨',
  '欣怡',
  '子轩',
  '浩然',
  '雨桐',
  '梓涵',
];
const LATIN = ['Anna Schmidt', 'James Wong', 'Maria Garcia', 'Kenji Sato', 'Olivia Brown', 'Lucas Martin', 'Priya Nair', 'Tom Becker'];

/** A customer's name: fixed by the customer's number alone, so reruns with another seed agree with the stored rows. */
export function customerName(n: number): string {
  const random = seededRandom(streamSeed(0x5eed, n));
  if (random() < 0.06) return pick(random, LATIN);
  return pick(random, SURNAMES) + pick(random, GIVEN);
}

const SUBJECTS: Record<string, string[]> = {
  'customer-inquiry': [
    '订单物流查询 Where is my order',
    '发票开具 Invoice request',
    '会员积分兑换 Redeeming loyalty points',
    '账户无法登录 Cannot sign in',
    '退货政策咨询 Return policy',
    'APP 闪退 App crashes on start',
    '产品使用咨询 How to use the product',
    '支付失败 Payment failed',
    '优惠券无法使用 Coupon not accepted',
    '设备无法联网 Device will not connect',
  ],
  'complaint-handling': [
    '配送严重延误 Delivery badly delayed',
    '收到商品破损 Item arrived damaged',
    '客服态度差 Rude service',
    '重复扣费 Charged twice',
    '维修后仍有故障 Still faulty after repair',
    '承诺未兑现 Promise not kept',
  ],
  'email-support': [
    '发票抬头修改 Change invoice title',
    '订单地址修改 Change delivery address',
    '批量采购报价 Quote for a bulk order',
    '保修政策 Warranty terms',
    '账单明细 Billing details',
    '数据导出 Export my data',
  ],
  'phone-service': [
    '密码重置 Password reset',
    '话费账单疑问 Question about a bill',
    '套餐变更 Change of plan',
    '订单取消 Cancel an order',
    '上门安装预约 Book an installation',
  ],
  'standard-service': [
    '上门维修 Repair visit',
    '退换货 Return or exchange',
    '账户信息变更 Update account details',
    '产品推荐 Product advice',
    '安装指导 Installation help',
  ],
};
const GENERIC_SUBJECTS = ['服务请求 Service request', '咨询 Question', '反馈 Feedback'];

export function subjectFor(workflowKey: string, random: Random): string {
  return pick(random, SUBJECTS[workflowKey] ?? GENERIC_SUBJECTS);
}

/** Sample text for the fields people fill, by field name; `note` for anything else. */
export const TEXTS: Record<string, string[]> = {
  solution: [
    '已提供操作指引 Sent step-by-step guidance',
    '已重新下发订单 Order re-sent',
    '已退款至原支付方式 Refunded to the original payment method',
    '已远程修复配置 Fixed the settings remotely',
    '已补发优惠券 Coupon re-issued',
    '已升级固件 Firmware updated',
  ],
  compensation: ['50 元优惠券 ¥50 coupon', '免运费 Free shipping on next order', '延长保修 Extended warranty', '无 None'],
  customerDemand: ['要求退款 Wants a refund', '要求道歉 Wants an apology', '要求换货 Wants a replacement', '要求赔偿 Wants compensation'],
  owningDepartment: ['物流部 Logistics', '产品部 Product', '财务部 Finance', '售后部 After-sales', '门店运营 Store operations'],
  fixReport: ['已更换承运商 Switched carrier', '已修复计费规则 Billing rule fixed', '已培训相关人员 Staff retrained', '已更新质检流程 QC step added'],
  customerResponse: ['客户表示理解 Customer accepts', '客户仍不满意 Customer still unhappy', '客户接受补偿 Customer accepts compensation'],
  rootCause: [
    '承运商分拣错误 Carrier sorting error',
    '计费系统缺陷 Billing system defect',
    '库存信息不同步 Stock data out of sync',
    '员工未按流程操作 Procedure not followed',
    '包装不足 Packaging too weak',
  ],
  preventiveAction: [
    '增加出库抽检 Spot checks before dispatch',
    '计费规则上线前评审 Review billing rules before release',
    '每周流程培训 Weekly procedure training',
  ],
  diagnosis: ['账户被锁定 Account locked', '账单包含漫游费 Bill includes roaming', '订单已出库 Order already shipped', '需现场处理 Needs an on-site visit'],
  summary: ['按标准流程完成 Completed per SOP', '已记录客户偏好 Customer preference noted', '建议补充知识库 Suggest a knowledge-base article'],
  comment: ['等待时间太长 Waited too long', '问题没有真正解决 Not really solved', '处理很专业 Very professional', '希望更快回复 Hope for faster replies'],
  dissatisfactionReason: ['方案不可行 Solution does not work', '等待太久 Waited too long', '需要更多说明 Needs more explanation'],
  note: ['已记录 Noted', '见附件 See attachment', '客户已确认 Confirmed by the customer'],
};
