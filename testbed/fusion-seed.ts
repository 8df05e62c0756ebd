// Stands in for: the content of a Workfront Fusion organization (teams, scenarios and their blueprints,
// folders, connections, hooks, data stores, executions, activity logs, operations), for the Fusion emulator.
// Shaped like the schemas of Adobe's OpenAPI document for the Fusion API (v3).
// Deterministic: the same options give the same data, so that tests can
// compute what they expect from it. Pure: no clock, no randomness, no I/O.
import { seededRandom } from './seeded-random.js';

/** The seeded organization: its numeric ID (x-organization-id), region (x-gw-region) and IMS org. */
export const SEED_ORG = { id: 2245, region: 'or2', imsOrgId: '7E1F2C3D4B5A69870A495E3F@AdobeOrg' } as const;
/** The teams the technical account is a member of, and one of the org it is not a member of. */
export const SEED_TEAMS = [
  { id: 88, name: 'Marketing' },
  { id: 304, name: 'Operations' },
] as const;
export const TEAM_WITHOUT_ACCESS = { id: 3849, name: 'Finance' } as const;
/** How many scenarios the organization has unless told otherwise: more than one page of the largest `limit`. */
export const DEFAULT_SCENARIO_COUNT = 230;
/** The first scenario ID; the scenario with this ID has many executions (for paging through logs). */
export const FIRST_SCENARIO_ID = 4001;

export interface BlueprintModule {
  readonly id: number;
  readonly module: string;
  readonly version: number;
  readonly parameters: Record<string, number>;
  readonly mapper: Record<string, unknown>;
  readonly metadata: { readonly designer: { readonly x: number; readonly y: number } };
}

export interface Blueprint {
  readonly name: string;
  readonly flow: readonly BlueprintModule[];
  readonly metadata: Record<string, unknown>;
}

/** ScenarioBaseDto, with the blueprint that GET /scenarios/{id} and the export add. */
export interface Scenario {
  id: number;
  name: string;
  teamId: number;
  description?: string;
  folderId?: number;
  usedPackages: string[];
  isInvalid: boolean;
  isActive: boolean;
  isLocked: boolean;
  isPaused: boolean;
  sequential: boolean;
  lastEdit: string;
  scheduling?: Record<string, unknown>;
  hookId?: number;
  blueprint: Blueprint;
}

/** A folder; FolderDto shows id, name and scenariosTotal (counted from the scenarios). */
export interface Folder {
  readonly id: number;
  name: string;
  readonly teamId: number;
}

/** ConnectionDetailsV3Response; the list shows ConnectionsV3ListItemDto, without the last four fields. */
export interface Connection {
  readonly id: number;
  readonly name: string;
  readonly accountName: string;
  readonly accountLabel: string;
  readonly accountType: string;
  readonly expire: string | null;
  readonly metadata: Record<string, unknown> | null;
  readonly teamId: number;
  readonly theme: string;
  readonly scopesCount: number;
  readonly scoped: boolean;
  readonly editable: boolean;
  readonly uid: string | null;
  readonly environmentType: string | null;
  readonly authenticationType: string | null;
  readonly createdAt: string;
  readonly type: string;
  readonly valid: boolean;
  readonly defaultScopes: readonly string[];
  readonly scopes: readonly { readonly id: string; readonly name: string | null; readonly account: string }[];
}

/** HookV3Dto; the list shows HookV3ListDto, without `data`. */
export interface Hook {
  readonly id: number;
  readonly name: string;
  readonly teamId: number;
  readonly udid: string;
  readonly theme: string;
  readonly editable: boolean;
  readonly queueCount: number;
  readonly queueLimit: number;
  readonly enabled: boolean;
  readonly gone: boolean;
  readonly learning: boolean;
  readonly typeName: string;
  readonly data: Record<string, unknown>;
  scenarioId?: number;
  readonly url: string;
  readonly priority: 'Low' | 'Medium' | 'High';
  readonly detached: boolean;
  readonly connectionId: number | null;
  automation: { readonly type: 'scenario'; readonly id: number } | null;
}

/** DataStoreListItemResponseV3Dto. */
export interface DataStore {
  readonly id: number;
  readonly name: string;
  readonly teamId: number;
  readonly records: number;
  readonly size: number;
  readonly maxSize: number;
  readonly datastructureId: number | null;
}

/** What else a blueprint can depend on: data structures and keys. */
export interface NamedDependency {
  readonly id: number;
  readonly name: string;
  readonly teamId: number;
  readonly type?: string;
}

/** ExecutionDto. */
export interface Execution {
  readonly id: string;
  readonly type: 'auto' | 'manual';
  readonly kind: 'scenario' | 'dlq';
  readonly kindId: string;
  readonly teamId: number;
  readonly organizationId: number;
  readonly authorId: number;
  readonly status: 0 | 1 | 2 | 3;
  readonly timestamp: string;
  readonly duration: number;
  readonly verifier: boolean;
  readonly bundles: number;
  readonly operations: number;
  readonly transfer: number;
  readonly modules: readonly { readonly package: string; readonly module: string; readonly operations: number }[];
  readonly processing: boolean;
  readonly config: Record<string, unknown>;
}

/** An execution, and whether it is a small check run (listed only with showCheckRuns=true). */
export interface ExecutionRecord {
  readonly execution: Execution;
  readonly checkRun: boolean;
}

/** ActivityLog. */
export interface ActivityLog {
  readonly timestamp: string;
  readonly messageId: string;
  readonly userId: number;
  readonly userName: string;
  readonly teamId?: number;
  readonly teamName: string;
  readonly orgId: number;
  readonly entity: string;
  readonly entityId?: number;
  readonly action: string;
  readonly message: string;
}

export interface FusionData {
  readonly org: typeof SEED_ORG;
  /** Teams the technical account can see. */
  readonly teams: readonly { readonly id: number; readonly name: string }[];
  readonly scenarios: Scenario[];
  readonly folders: Folder[];
  readonly connections: readonly Connection[];
  readonly hooks: readonly Hook[];
  readonly dataStores: readonly DataStore[];
  readonly dataStructures: readonly NamedDependency[];
  readonly keys: readonly NamedDependency[];
  /** Newest first within each scenario or DLQ. */
  readonly executions: readonly ExecutionRecord[];
  /** IDs of the incomplete executions (DLQs) that have executions. */
  readonly dlqIds: readonly string[];
  /** Newest first. */
  readonly activityLogs: readonly ActivityLog[];
  /** The next ID for a created scenario or folder. */
  nextScenarioId: number;
  nextFolderId: number;
}

/** 32 lowercase hex characters, from a number (hook udids, execution IDs). */
function hex32(seed: number): string {
  const next = seededRandom(seed);
  let text = '';
  while (text.length < 32) text += Math.floor(next() * 16).toString(16);
  return text;
}

function uuidFrom(seed: number): string {
  const h = hex32(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const CONNECTIONS: readonly (readonly [number, number, string, string, string, string])[] = [
  // id, teamId, name, accountName (the app), accountLabel, accountType
  [10752, 88, 'My Workfront connection', 'workfront-workfront', 'Adobe Workfront auth', 'oauth'],
  [10753, 88, 'My Adobe Firefly Connection', 'adobe-firefly', 'Adobe Firefly', 'oauth'],
  [10754, 88, 'Marketing Slack', 'slack', 'Slack', 'oauth'],
  [16496, 304, 'Ops Workfront', 'workfront-workfront', 'Adobe Workfront auth', 'oauth'],
  [16497, 304, 'Ops Google Sheets', 'google-sheets', 'Google', 'oauth'],
  [16498, 304, 'Reporting API key', 'http', 'API key', 'apikey'],
];

const MODULES: Readonly<Record<string, readonly string[]>> = {
  'workfront-workfront': ['workfront-workfront:readRecord', 'workfront-workfront:createRecord'],
  'adobe-firefly': ['adobe-firefly:generateAnImage2'],
  slack: ['slack:CreateMessage'],
  'google-sheets': ['google-sheets:addRow', 'google-sheets:filterRows'],
  http: ['http:ActionSendData'],
};

const VERBS = ['Sync', 'Export', 'Notify', 'Archive', 'Enrich', 'Route', 'Score', 'Publish', 'Collect', 'Review'];
const OBJECTS = ['projects', 'tasks', 'leads', 'assets', 'invoices', 'issues', 'campaigns', 'approvals', 'reports'];
const QUALIFIERS = ['nightly', 'on demand', 'hourly', 'to Slack', 'from Workfront', '(EMEA)', '— Überprüfung', 'v2'];

const SCENARIO_CONFIG = {
  dlq: false,
  instant: false,
  dataloss: false,
  listener: false,
  parallel: true,
  autoCommit: true,
  roundtrips: 1,
  sequential: false,
  localAccess: false,
  maxFileSize: 500000000,
  confidential: false,
  timeout: 2400000,
};

/** Days before the base date, for timestamps that go back in time. */
const BASE_TIME = Date.parse('2026-03-05T15:20:00.000Z');
const HOUR = 3_600_000;

function folders(): Folder[] {
  return [
    { id: 501, name: 'Marketing automations', teamId: 88 },
    { id: 502, name: 'Lead scoring', teamId: 88 },
    { id: 503, name: 'Archive', teamId: 88 },
    { id: 601, name: 'Nightly jobs', teamId: 304 },
    { id: 602, name: 'Reports', teamId: 304 },
  ];
}

function connections(): Connection[] {
  return CONNECTIONS.map(([id, teamId, name, accountName, accountLabel, accountType], index) => ({
    id,
    name,
    accountName,
    accountLabel,
    accountType,
    expire: index % 3 === 2 ? null : new Date(BASE_TIME + (index + 1) * 30 * 24 * HOUR).toISOString(),
    metadata: accountType === 'oauth' ? { type: 'email', value: `automation-${index}@example.com` } : null,
    teamId,
    theme: ['#db492b', '#e03c31', '#4a154b', '#db492b', '#0f9d58', '#3366cc'][index] as string,
    scopesCount: accountType === 'oauth' ? 3 : 0,
    scoped: accountType === 'oauth',
    editable: index % 2 === 1,
    uid: accountType === 'oauth' ? `uid-${id}` : null,
    environmentType: accountName === 'workfront-workfront' ? (teamId === 88 ? 'production' : 'nonproduction') : null,
    authenticationType: accountName === 'workfront-workfront' ? 'personalaccount' : null,
    createdAt: new Date(BASE_TIME - (400 - index * 37) * 24 * HOUR).toISOString(),
    type: accountType,
    valid: index !== 4,
    defaultScopes: accountType === 'oauth' ? ['offline_access'] : [],
    scopes:
      accountType === 'oauth'
        ? [
            {
              id: 'offline_access',
              name: 'The app can access the data user has given permission to, even when user is not using the app',
              account: accountName,
            },
            { id: 'openid', name: null, account: accountName },
            { id: 'profile', name: null, account: accountName },
          ]
        : [],
  }));
}

function hooks(): Hook[] {
  const list: Hook[] = [];
  const perTeam: readonly (readonly [number, number])[] = [
    [88, 15473],
    [304, 16473],
  ];
  for (const [teamId, firstId] of perTeam) {
    for (let index = 0; index < 6; index++) {
      const id = firstId + index;
      const udid = hex32(id);
      const mail = index === 5;
      list.push({
        id,
        name: mail ? `Inbound mail ${index + 1}` : `My gateway-webhook webhook ${index + 1}`,
        teamId,
        udid,
        theme: '#C73A63',
        editable: false,
        queueCount: index === 1 ? 3 : 0,
        queueLimit: 100000,
        enabled: index !== 3,
        gone: false,
        learning: index === 4,
        typeName: mail ? 'gateway-mailhook' : 'gateway-webhook',
        data: { headers: false, method: false, stringify: false, teamId, ip: '' },
        url: mail ? `${udid}@hook.app.workfrontfusion.com` : `https://hook.app.workfrontfusion.com/${udid}`,
        priority: (['Low', 'Medium', 'High'] as const)[index % 3] as 'Low' | 'Medium' | 'High',
        detached: false,
        connectionId: null,
        automation: null,
      });
    }
  }
  return list;
}

function dataStores(): DataStore[] {
  return [
    { id: 1, name: 'My Store', teamId: 88, records: 42, size: 2097152, maxSize: 10485760, datastructureId: 10 },
    { id: 2, name: 'Leads', teamId: 88, records: 1280, size: 734003, maxSize: 10485760, datastructureId: 11 },
    { id: 3, name: 'Nightly state', teamId: 304, records: 7, size: 2048, maxSize: 1048576, datastructureId: null },
  ];
}

function module(id: number, name: string, parameters: Record<string, number>, mapper: Record<string, unknown>) {
  return { id, module: name, version: 1, parameters, mapper, metadata: { designer: { x: (id - 1) * 300, y: 0 } } };
}

/** The scenario with 1-based `index`, its blueprint built from the team's resources. */
function scenario(index: number, all: { connections: Connection[]; hooks: Hook[]; folders: Folder[] }): Scenario {
  const next = seededRandom(index * 7919);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const id = FIRST_SCENARIO_ID + index - 1;
  const teamId = index % 3 === 0 ? 304 : 88;
  const name = `${pick(VERBS)} ${pick(OBJECTS)} ${pick(QUALIFIERS)}`;
  const teamConnections = all.connections.filter((connection) => connection.teamId === teamId);
  const used = [pick(teamConnections)];
  if (index % 2 === 0) {
    const second = pick(teamConnections);
    if (second.id !== used[0]?.id) used.push(second);
  }
  const flow: BlueprintModule[] = [];
  // The first four unused hooks of each team drive a scenario; the others stay free (clone needs a free one).
  const teamHooks = all.hooks.filter((hook) => hook.teamId === teamId);
  const hook = index % 11 === 1 ? teamHooks.find((candidate) => candidate.scenarioId === undefined) : undefined;
  if (hook && teamHooks.filter((candidate) => candidate.scenarioId !== undefined).length < 4) {
    hook.scenarioId = id;
    hook.automation = { type: 'scenario', id };
    flow.push(module(1, 'gateway:CustomWebHook', { hook: hook.id, maxResults: 1 }, {}));
  }
  for (const connection of used) {
    const names = MODULES[connection.accountName] ?? [];
    flow.push(
      module(flow.length + 1, pick(names), { connection: connection.id }, { id: `{{${flow.length}.id}}`, limit: 10 }),
    );
  }
  if (index % 5 === 0) {
    const store = teamId === 88 ? (index % 10 === 0 ? 2 : 1) : 3;
    flow.push(module(flow.length + 1, 'datastore:AddRecord', { datastore: store }, { key: `{{${flow.length}.id}}` }));
  }
  if (index % 7 === 0) {
    const key = teamId === 88 ? 7 : 8;
    flow.push(module(flow.length + 1, 'util:SetVariable2', { key }, { name: 'last', scope: 'roundtrip' }));
  }
  const teamFolders = all.folders.filter((folder) => folder.teamId === teamId && folder.id !== 503);
  const folder = index % 4 === 0 ? undefined : teamFolders[index % teamFolders.length];
  const sequential = index % 3 === 1;
  const usesHook = flow[0]?.module === 'gateway:CustomWebHook';
  return {
    id,
    name,
    teamId,
    ...(index % 6 === 0 ? {} : { description: `${name}: seeded scenario ${index} of the emulated organization.` }),
    ...(folder ? { folderId: folder.id } : {}),
    usedPackages: [...new Set(flow.map((step) => step.module.split(':')[0] as string))],
    isInvalid: index % 29 === 0,
    isActive: index % 2 === 1,
    isLocked: index % 41 === 0,
    isPaused: index % 17 === 0,
    sequential,
    // Whole hours, several scenarios per hour: ordering by lastEdit has ties that the cursor must break by ID.
    lastEdit: new Date(BASE_TIME - Math.floor(index / 3) * HOUR).toISOString(),
    ...(usesHook
      ? { hookId: flow[0]?.parameters['hook'] as number }
      : { scheduling: index % 2 === 0 ? { type: 'daily', time: '07:53' } : { type: 'indefinitely', interval: 900 } }),
    blueprint: {
      name,
      flow,
      metadata: {
        instant: usesHook,
        version: 1,
        designer: { orphans: [] },
        scenario: {
          dlq: false,
          dataloss: false,
          maxErrors: 3,
          autoCommit: true,
          roundtrips: 1,
          sequential,
          confidential: false,
          autoCommitTriggerLast: true,
        },
      },
    },
  };
}

function executionsOf(owner: Scenario, kind: 'scenario' | 'dlq', kindId: string, count: number): ExecutionRecord[] {
  const records: ExecutionRecord[] = [];
  for (let n = 0; n < count; n++) {
    const seed = owner.id * 1000 + n + (kind === 'dlq' ? 500 : 0);
    const next = seededRandom(seed);
    const checkRun = kind === 'scenario' && n % 6 === 5;
    const status = checkRun ? 1 : (([1, 1, 1, 2, 3, 1, 0] as const)[n % 7] as 0 | 1 | 2 | 3);
    const modules = owner.blueprint.flow.map((step) => ({
      package: step.module.split(':')[0] as string,
      module: step.module.split(':')[1] as string,
      operations: checkRun ? (step.id === 1 ? 1 : 0) : 1 + Math.floor(next() * 4),
    }));
    const operations = modules.reduce((sum, entry) => sum + entry.operations, 0);
    const manual = n % 9 === 4;
    records.push({
      checkRun,
      execution: {
        id: hex32(seed),
        type: manual ? 'manual' : 'auto',
        kind,
        kindId,
        teamId: owner.teamId,
        organizationId: SEED_ORG.id,
        authorId: 2555,
        status,
        // Newest first, 15 minutes apart, with a few milliseconds of jitter.
        timestamp: new Date(BASE_TIME - n * 15 * 60_000 - Math.floor(next() * 1000)).toISOString(),
        duration: checkRun ? 40 + Math.floor(next() * 20) : 150 + Math.floor(next() * 5000),
        verifier: manual,
        bundles: checkRun ? 0 : 1 + Math.floor(next() * 10),
        operations,
        transfer: checkRun ? 0 : 17 + Math.floor(next() * 4000),
        modules,
        processing: status === 0,
        config: SCENARIO_CONFIG,
      },
    });
  }
  return records;
}

const USERS: readonly (readonly [number, string])[] = [
  [2555, 'John Snow'],
  [2556, 'Arya Stark'],
  [2557, 'Fusion technical account'],
];
const ACTIVITIES: readonly (readonly [string, string])[] = [
  ['scenario', 'updated'],
  ['scenario', 'activated'],
  ['scenario', 'deactivated'],
  ['connection', 'reauthorized'],
  ['webhook', 'created'],
  ['folder', 'renamed'],
  ['data store', 'updated'],
  ['scenario', 'cloned'],
  ['user', 'invited'],
  ['team', 'changed team role'],
];

function activityLogs(scenarios: readonly Scenario[]): ActivityLog[] {
  const logs: ActivityLog[] = [];
  const teamNames = new Map<number, string>(SEED_TEAMS.map((team) => [team.id, team.name]));
  for (let n = 0; n < 150; n++) {
    const [userId, userName] = USERS[n % USERS.length] as readonly [number, string];
    const [entity, action] = ACTIVITIES[n % ACTIVITIES.length] as readonly [string, string];
    const target = scenarios[(n * 13) % scenarios.length] as Scenario;
    const teamId = entity === 'user' ? undefined : target.teamId;
    // 37 minutes apart, newest first; every fifth pair shares a timestamp (ties the cursor must break).
    const step = n % 5 === 1 ? n - 1 : n;
    logs.push({
      timestamp: new Date(Date.parse('2025-12-09T11:39:34.834Z') - step * 37 * 60_000).toISOString(),
      messageId: uuidFrom(90_000 + n),
      userId,
      userName,
      ...(teamId === undefined ? {} : { teamId }),
      teamName: teamId === undefined ? '' : (teamNames.get(teamId) as string),
      orgId: SEED_ORG.id,
      entity,
      ...(entity === 'user' ? {} : { entityId: entity === 'scenario' ? target.id : 30_000 + n }),
      action,
      message:
        entity === 'scenario'
          ? `${userName} ${action} "${target.name}" scenario`
          : `${userName} ${action} ${entity} ${entity === 'user' ? 'jane.doe@example.com' : 30_000 + n}`,
    });
  }
  return logs;
}

/** The organization's data; `scenarioCount` scenarios (DEFAULT_SCENARIO_COUNT), at least 12. */
export function seedFusionData(scenarioCount = DEFAULT_SCENARIO_COUNT): FusionData {
  if (!Number.isInteger(scenarioCount) || scenarioCount < 12) {
    throw new Error(`seedFusionData: scenarioCount must be a whole number of at least 12, got ${scenarioCount}`);
  }
  const all = { connections: connections(), hooks: hooks(), folders: folders() };
  const scenarios: Scenario[] = [];
  for (let index = 1; index <= scenarioCount; index++) scenarios.push(scenario(index, all));
  const executions: ExecutionRecord[] = [];
  for (const [position, owner] of scenarios.entries()) {
    // The first scenario has enough executions for several pages; the others a few each.
    const count = position === 0 ? 130 : 1 + (position % 4);
    executions.push(...executionsOf(owner, 'scenario', String(owner.id), count));
  }
  const dlqOwners = [scenarios[1], scenarios[2]] as Scenario[];
  const dlqIds = dlqOwners.map((owner) => String(900_000 + owner.id));
  dlqOwners.forEach((owner, n) => executions.push(...executionsOf(owner, 'dlq', dlqIds[n] as string, 3)));
  return {
    org: SEED_ORG,
    teams: SEED_TEAMS,
    scenarios,
    folders: all.folders,
    connections: all.connections,
    hooks: all.hooks,
    dataStores: dataStores(),
    dataStructures: [
      { id: 10, name: 'Store record', teamId: 88 },
      { id: 11, name: 'Lead', teamId: 88 },
    ],
    keys: [
      { id: 7, name: 'Signing key', teamId: 88, type: 'hmac' },
      { id: 8, name: 'Ops signing key', teamId: 304, type: 'hmac' },
    ],
    executions,
    dlqIds,
    activityLogs: activityLogs(scenarios),
    nextScenarioId: FIRST_SCENARIO_ID + scenarioCount,
    nextFolderId: 700,
  };
}

/** Operations of a scenario's module on one UTC day (days since the epoch): deterministic and small. */
export function moduleOperations(scenarioId: number, moduleId: number, day: number): number {
  return (scenarioId * 31 + moduleId * 7 + day * 17) % 23;
}
