/**
 * Business applications the generated VMs belong to, with the tiers they are built from. VM
 * names follow `<code>-<tier>-<nn>` (`pay-web-01`), the pattern most naming standards use.
 */

export type TierRole = 'web' | 'app' | 'db' | 'cache' | 'mq' | 'batch' | 'infra' | 'desktop';

export interface TierTemplate {
  tier: string;
  role: TierRole;
  /** Typical number of VMs of the tier in production (non-production gets fewer). */
  replicas: readonly [number, number];
  /** Guest OS profile ids the tier is built on, by relative weight. */
  os: readonly (readonly [string, number])[];
}

export interface ApplicationTemplate {
  name: string;
  code: string;
  department: string;
  tiers: readonly TierTemplate[];
  /** Deployed as a vApp (a few vendors ship that way). */
  vapp?: boolean;
  /** Has a clustered database with shared disks (Oracle RAC or Windows failover cluster). */
  sharedDiskDb?: 'rac' | 'wsfc';
  /** Relative frequency; 1 when absent. */
  weight?: number;
}

const LINUX: readonly (readonly [string, number])[] = [
  ['rhel9', 9],
  ['rhel8', 12],
  ['rhel7', 8],
  ['rhel6', 1.2],
  ['rhel5', 0.4],
  ['centos7', 7],
  ['centos-legacy', 1.5],
  ['oracle8', 2.5],
  ['rocky9', 1.5],
  ['ubuntu', 8],
  ['debian11', 1.5],
  ['sles15', 3],
  ['sles12', 2],
  ['sles11', 0.4],
  ['other26-linux', 1],
  ['other4-linux', 1],
];

const WINDOWS: readonly (readonly [string, number])[] = [
  ['win2025', 0.8],
  ['win2022', 10],
  ['win2019', 14],
  ['win2016', 9],
  ['win2012r2', 6],
  ['win2008r2', 1.8],
  ['win2008', 0.4],
  ['win2003', 0.2],
];

const ANY: readonly (readonly [string, number])[] = [...LINUX, ...WINDOWS];
const DESKTOP: readonly (readonly [string, number])[] = [
  ['win10', 6],
  ['win11', 3],
  ['win7', 0.4],
];

function tier(tierName: string, role: TierRole, replicas: readonly [number, number], os = ANY): TierTemplate {
  return { tier: tierName, role, replicas, os };
}

export const APPLICATION_TEMPLATES: readonly ApplicationTemplate[] = [
  {
    name: 'Payroll',
    code: 'pay',
    department: 'Finance',
    tiers: [
      tier('web', 'web', [2, 3], WINDOWS),
      tier('app', 'app', [2, 4], WINDOWS),
      tier('db', 'db', [1, 2], WINDOWS),
    ],
    sharedDiskDb: 'wsfc',
  },
  {
    name: 'Customer Portal',
    code: 'portal',
    department: 'Sales',
    tiers: [
      tier('web', 'web', [3, 6], LINUX),
      tier('app', 'app', [3, 6], LINUX),
      tier('cache', 'cache', [2, 3], LINUX),
      tier('db', 'db', [2, 2], LINUX),
    ],
  },
  {
    name: 'ERP',
    code: 'erp',
    department: 'Finance',
    tiers: [
      tier('app', 'app', [2, 6], LINUX),
      tier('db', 'db', [2, 2], LINUX),
      tier('batch', 'batch', [1, 2], LINUX),
    ],
    sharedDiskDb: 'rac',
  },
  {
    name: 'CRM',
    code: 'crm',
    department: 'Sales',
    tiers: [tier('web', 'web', [2, 4]), tier('app', 'app', [2, 4]), tier('db', 'db', [1, 2])],
  },
  {
    name: 'Data Warehouse',
    code: 'dwh',
    department: 'Analytics',
    tiers: [tier('etl', 'batch', [2, 4], LINUX), tier('db', 'db', [2, 4], LINUX)],
  },
  {
    name: 'Exchange',
    code: 'mail',
    department: 'IT',
    tiers: [tier('mbx', 'app', [2, 6], WINDOWS), tier('edge', 'web', [1, 2], WINDOWS)],
  },
  {
    name: 'Intranet',
    code: 'intra',
    department: 'Communications',
    tiers: [tier('web', 'web', [2, 3]), tier('db', 'db', [1, 1])],
  },
  {
    name: 'Point of Sale',
    code: 'pos',
    department: 'Retail',
    tiers: [tier('app', 'app', [2, 8], WINDOWS), tier('db', 'db', [1, 2], WINDOWS)],
  },
  {
    name: 'Active Directory',
    code: 'dc',
    department: 'IT',
    tiers: [tier('ad', 'infra', [2, 4], WINDOWS)],
  },
  {
    name: 'File Services',
    code: 'fs',
    department: 'IT',
    tiers: [tier('srv', 'app', [1, 3], WINDOWS)],
  },
  {
    name: 'Monitoring',
    code: 'mon',
    department: 'IT',
    tiers: [tier('app', 'app', [1, 3], LINUX), tier('db', 'db', [1, 1], LINUX)],
  },
  {
    name: 'CI Pipeline',
    code: 'ci',
    department: 'Engineering',
    tiers: [tier('build', 'batch', [2, 8], LINUX), tier('git', 'app', [1, 2], LINUX)],
  },
  {
    name: 'Document Management',
    code: 'dms',
    department: 'Legal',
    tiers: [
      tier('web', 'web', [1, 2]),
      tier('app', 'app', [1, 3]),
      tier('idx', 'app', [1, 2]),
      tier('db', 'db', [1, 1]),
    ],
    vapp: true,
  },
  {
    name: 'Warehouse Management',
    code: 'wms',
    department: 'Logistics',
    tiers: [tier('app', 'app', [2, 4]), tier('db', 'db', [1, 2])],
  },
  {
    name: 'Event Streaming',
    code: 'kafka',
    department: 'Engineering',
    tiers: [tier('broker', 'mq', [3, 6], LINUX), tier('zk', 'mq', [3, 3], LINUX)],
  },
  {
    name: 'Billing',
    code: 'bill',
    department: 'Finance',
    tiers: [
      tier('api', 'app', [2, 4], LINUX),
      tier('mq', 'mq', [1, 2], LINUX),
      tier('db', 'db', [2, 2], LINUX),
    ],
    sharedDiskDb: 'rac',
  },
  {
    name: 'HR Portal',
    code: 'hr',
    department: 'Human Resources',
    tiers: [tier('web', 'web', [1, 2]), tier('db', 'db', [1, 1])],
  },
  {
    name: 'Reporting',
    code: 'rpt',
    department: 'Analytics',
    tiers: [tier('app', 'app', [1, 3], WINDOWS), tier('db', 'db', [1, 1], WINDOWS)],
  },
  {
    name: 'SAP S/4HANA',
    code: 'sap',
    department: 'Finance',
    tiers: [
      tier('ascs', 'app', [1, 2], LINUX),
      tier('app', 'app', [2, 4], LINUX),
      tier('hana', 'db', [1, 2], LINUX),
    ],
  },
  {
    name: 'Virtual Desktops',
    code: 'vdi',
    department: 'IT',
    tiers: [tier('vda', 'desktop', [4, 12], DESKTOP), tier('ddc', 'infra', [1, 2], WINDOWS)],
    weight: 0.3,
  },
  {
    name: 'Telephony',
    code: 'pbx',
    department: 'Facilities',
    tiers: [tier('app', 'app', [1, 2], LINUX)],
  },
  {
    name: 'Engineering CAD',
    code: 'cad',
    department: 'Engineering',
    tiers: [tier('ws', 'desktop', [2, 6], DESKTOP), tier('lic', 'app', [1, 1], WINDOWS)],
    weight: 0.4,
  },
  {
    name: 'Print Services',
    code: 'print',
    department: 'IT',
    tiers: [tier('srv', 'app', [1, 2], WINDOWS)],
  },
  {
    name: 'Jump Hosts',
    code: 'jump',
    department: 'IT',
    tiers: [tier('host', 'infra', [1, 3])],
  },
];

export const OWNERS: readonly string[] = [
  'j.smith@corp.example.com',
  'a.kowalski@corp.example.com',
  'm.garcia@corp.example.com',
  'l.chen@corp.example.com',
  'team-platform',
  'team-finance-apps',
  'team-dba',
  'Operations',
  'd.müller@corp.example.com',
  'n.ivanova@corp.example.com',
];

/** How people actually type the `Environment` attribute. */
export const ENVIRONMENT_SPELLINGS: Readonly<Record<string, readonly string[]>> = {
  Production: ['Production', 'Production', 'Production', 'PROD', 'prod'],
  UAT: ['UAT', 'UAT', 'Acceptance'],
  Development: ['Development', 'Development', 'DEV', 'dev'],
  Test: ['Test', 'Test', 'TST', 'QA'],
};

export const ENVIRONMENT_SUFFIX: Readonly<Record<string, string>> = {
  Production: '',
  UAT: 'uat',
  Development: 'dev',
  Test: 'tst',
};

/** VMs nobody claims, with the names that tell their story. */
export const STRAY_VM_NAMES: readonly string[] = [
  'tmp-migration-test',
  'tmp-jdoe-01',
  'tmp-perf-load',
  'test',
  'test2',
  'New Virtual Machine',
  'Clone of web01',
  'xyz-old',
  'fileserver-old',
  'dc01-bak',
  'sql-2012-bak',
  'win2k8-test',
  'ubuntu-scratch',
  'poc-kubernetes-01',
  'sandbox-01',
  'backup-of-pay-app-01',
];

/** Word stock for the long tail of unowned VMs in big estates. */
export const STRAY_WORDS: readonly string[] = [
  'ubuntu',
  'win2019',
  'sql',
  'web',
  'docker',
  'jenkins',
  'elk',
  'ansible',
  'grafana',
  'splunk',
  'nginx',
  'oracle',
  'rhel8',
  'k8s',
  'vpn',
  'ftp',
  'citrix',
  'proxy',
];

export const STRAY_USERS: readonly string[] = [
  'jdoe',
  'asmith',
  'mkowalski',
  'lchen',
  'pmueller',
  'nivanova',
];

export const UNICODE_VM_NAMES: readonly string[] = [
  'сервер-1С-01',
  'бухгалтерия-01',
  'склад-db',
  '数据库-测试-01',
  '財務システム-web',
  '営業支援-app-02',
  'Überwachung-01',
  'café-pos-01',
  'Ελληνικά-test',
  'サーバー 検証',
];

export const SPACED_VM_NAMES: readonly string[] = [
  'Finance Reporting Server',
  'SQL 2019 test (John)',
  'Old Intranet - DO NOT DELETE',
  'Print Server 2',
  'HR Web  Portal',
];

/** Names at the 80-character limit vCenter allows. */
export const LONG_VM_NAMES: readonly string[] = [
  'prd-emea-finance-consolidation-reporting-engine-application-server-node-01-ready',
  'customer-portal-frontend-nginx-reverse-proxy-instance-for-blue-green-deploy-0001',
];

/** vCenter escapes `/`, `\` and `%` in names; RVTools shows the escaped form. */
export const ESCAPED_VM_NAMES: readonly string[] = ['web%2fapi-01', 'build%5cagent-02', '100%25-cpu-test'];

export const SNAPSHOT_NAMES: readonly (readonly [string, string])[] = [
  ['before patching', 'Monthly patching'],
  ['pre-upgrade', 'Before application upgrade to next release'],
  [
    'VEEAM BACKUP TEMPORARY SNAPSHOT',
    'Please do not delete this snapshot. It is being used by Veeam Backup.',
  ],
  ['snap1', ''],
  ['clean install', 'Fresh OS install, before configuration'],
  ['CHG0031337', 'Change ticket CHG0031337'],
];

export const VCLS_ANNOTATION =
  'vSphere Cluster Service VM is deployed from an OVA with a minimal installed profile of PhotonOS. vSphere Cluster Service manages the resources, power state and availability of these VMs. vSphere Cluster Service VMs are required for maintaining the health and availability of vSphere Cluster Service. Any impact on the power state or resources of these VMs might degrade the health of the vSphere Cluster Service and cause vSphere DRS to cease operation for the compute cluster.';
