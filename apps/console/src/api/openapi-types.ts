// Generated from the API's /openapi.json by `npm run console:api`; do not edit by hand.
/* eslint-disable */

export interface Schemas {
  AbandonOutcome: {
    execution: Schemas["Execution"];
    leftBehind: {
      labelSelector: string;
      clusterObjects: Array<{
        namespace: string;
        kind: string;
        name: string;
        vmKey: string;
      }>;
      poweredOffSourceVms: Array<{
        vmKey: string;
        name: string;
        instanceUuid: string;
        moref: string | null;
      }>;
      sourceSnapshots: Array<{
        vmKey: string;
        name: string;
        instanceUuid: string;
        moref: string | null;
        snapshots: Array<{
          name: string;
          ref: string | null;
        }>;
      }>;
    };
  };
  ApiError: {
    statusCode: number;
    error?: string;
    message: string;
    details?: unknown;
  };
  ApiToken: {
    id: string;
    name: string;
    roles: Array<Schemas["Role"]>;
    createdBy: string | null;
    createdAt: string;
    revokedAt: string | null;
  };
  ApproveWave: {
    contentHash?: string;
  };
  Assessment: {
    id: string;
    inventoryId: string;
    policyHash: string;
    assessedAt: string;
    countedTo: string | null;
    countedToBasis: "as-of" | "export" | "clock" | null;
    createdAt: string;
    summary: Schemas["AssessmentSummary"];
  };
  AssessmentDetail: {
    id: string;
    inventoryId: string;
    policyHash: string;
    assessedAt: string;
    countedTo: string | null;
    countedToBasis: "as-of" | "export" | "clock" | null;
    createdAt: string;
    summary: Schemas["AssessmentSummary"];
    policy: Schemas["AssessmentPolicy"];
  };
  AssessmentPolicy: {
    version: 1;
    name?: string;
    thresholds: {
      poweredOffDays: number;
      oldSnapshotDays: number;
      maxDisks: number;
      diskTooLargeGiB: number;
      guestFreeSpace: {
        rootMiB: number;
        bootMiB: number;
        windowsSystemMiB: number;
        otherMiB: number;
      };
    };
    rules: {
      "rdm-disk": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "passthrough-device": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "possible-passthrough-device": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "sriov-nic": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "shared-disk": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "independent-disk": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "disk-not-on-datastore": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "invalid-disk-capacity": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "too-many-disks": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "disk-too-large": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "unsupported-os": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "legacy-os": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "unknown-os": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "tools-not-running": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "snapshot-present": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "old-snapshot": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "consolidation-needed": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "cbt-disabled": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "cpu-memory-hotplug": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "cpu-affinity": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "numa-affinity": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "host-affinity": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "fault-tolerance": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "usb-device": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "cdrom-connected": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      tpm: {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "secure-boot": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "name-not-dns1123": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "target-name-conflict": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "nested-virtualization": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "guest-free-space": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "exceeds-worker-node": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      template: {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "srm-placeholder": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "cluster-service-vm": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "infrastructure-appliance": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      orphaned: {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      disconnected: {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      suspended: {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "powered-off-long": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "no-network": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "drs-enabled": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "dpm-enabled": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "hostname-empty": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "hostname-default": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
      "missing-ip": {
        enabled: boolean;
        severity: "critical" | "warning" | "info";
      };
    };
    scoring: {
      critical: number;
      warning: number;
      info: number;
    };
    effort: {
      points: {
        critical: number;
        warning: number;
        info: number;
        driverConversion: number;
        manyDisks: number;
        largeStorage: number;
        hardwareCheck: number;
      };
      manyDisks: number;
      largeStorageGiB: number;
      mediumFrom: number;
      highFrom: number;
    };
    disposition: {
      retainOsSupport: Array<"supported" | "legacy" | "unsupported" | "unknown">;
    };
    retire: {
      minConfidence: number;
      namePatterns: Array<string>;
      confidence: {
        namePoweredOn: number;
        namePoweredOff: number;
        orphaned: number;
        inaccessible: number;
        invalid: number;
        poweredOffChangeEvidence: number;
        poweredOffCreationEvidence: number;
        poweredOffAgeBonus: number;
      };
    };
    outOfScope: {
      clusterServiceVmPatterns: Array<string>;
    };
    appliances: Array<{
      kind: string;
      namePatterns: Array<string>;
    }>;
    guestOs: Array<{
      guestIds: Array<string>;
      names: Array<string>;
      family: string;
      preference: string | null;
      support: "supported" | "legacy" | "unsupported" | "unknown";
      needsDriverConversion?: boolean;
      reason?: string;
    }>;
    storage: {
      defaultClass: string | null;
      datastores: Array<{
        name?: string;
        pattern?: string;
        storageClass: string;
      }>;
    };
    sizing: {
      cpuOvercommit: number;
      memoryOvercommit: number;
      headroomPercent: number;
      spareNodes: number;
      workerNode: {
        cpus: number;
        memoryMiB: number;
      };
      overhead: {
        fixedMiB: number;
        perVcpuMiB: number;
        pageTableDivisor: number;
      };
    };
    transfer: {
      perDiskMiBps: number;
      perHostMiBps: number;
    };
  };
  AssessmentSummary: {
    vms: number;
    rehost: number;
    retain: number;
    retire: number;
    templates: number;
    outOfScope: number;
    byEffort: {
      low: number;
      medium: number;
      high: number;
    };
    byOsFamily: {
      [key: string]: number;
    };
    byConcern: {
      [key: string]: number;
    };
    sizing: {
      estate: Schemas["SizingTotals"];
      byCluster: {
        [key: string]: Schemas["SizingTotals"];
      };
    };
    transfer: {
      dataMiB: number;
      hoursAtHostThroughput: number;
    };
    warmReady: number;
  };
  AssessmentVmFacets: {
    disposition: Array<{
      value: string;
      count: number;
    }>;
    effort: Array<{
      value: string;
      count: number;
    }>;
    concern: Array<{
      value: string;
      count: number;
    }>;
    cluster: Array<{
      value: string;
      count: number;
    }>;
    os: Array<{
      value: string;
      count: number;
    }>;
  };
  AssessResult: {
    assessmentId: string;
    inventoryId: string;
    policyHash: string;
    countedTo: string;
    countedToBasis: "as-of" | "export" | "clock";
    summary: Schemas["AssessmentSummary"];
  };
  AuditEntry: {
    id: number;
    at: string;
    actor: string;
    action: string;
    resourceType: string;
    resourceId: string | null;
    before: unknown;
    after: unknown;
  };
  ChangeWindowInput: {
    start: string;
    end: string;
    zone?: string;
  };
  CreatedApiToken: {
    id: string;
    name: string;
    roles: Array<Schemas["Role"]>;
    createdBy: string | null;
    createdAt: string;
    revokedAt: string | null;
    token: string;
  };
  CurrentPolicy: {
    policy: Schemas["AssessmentPolicy"];
    source: "stored" | "built-in";
    updatedBy: string | null;
  };
  DowntimeMinutes: {
    warm: number;
    cold: number;
  };
  EditOutcome: {
    plan: Schemas["Plan"];
    violations: Array<Schemas["Violation"]>;
    invalidatedWaves: Array<number>;
  };
  Execution: {
    id: string;
    planId: string;
    waveNumber: number;
    waveHash: string;
    status: string;
    options: unknown;
    requestedBy: string;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
    counts: {
      [key: string]: number;
    };
    bytesTotal: number;
    bytesCopied: number;
    percent: number;
    etaSeconds: number | null;
    executor: {
      live: boolean;
      lastSeenAt: string | null;
    };
    cutoverAt: string | null;
    vms: Array<Schemas["ExecutionVm"]>;
  };
  ExecutionEvent: {
    id: number;
    executionId: string;
    vmKey: string | null;
    at: string;
    phase: string | null;
    kind: string;
    message: string;
  };
  ExecutionVm: {
    vmKey: string;
    name: string;
    targetName: string;
    targetNamespace: string;
    sourceHost: string | null;
    status: string;
    phase: string;
    phaseState: string;
    itinerary: Array<string>;
    attempt: number;
    powerStateBefore: string | null;
    cancelRequested: boolean;
    convertGuest: boolean;
    disks: Array<{
      index: number;
      label: string;
      dataVolume: string;
      phase: string | null;
      capacityBytes: number;
      bytesCopied: number;
      percent: number;
      restartCount: number;
      message: string | null;
      startedAt: string | null;
      finishedAt: string | null;
      etaSeconds: number | null;
    }>;
    bytesTotal: number;
    bytesCopied: number;
    etaSeconds: number | null;
    error: {
      phase: string;
      message: string;
      at: string;
    } | null;
    waitingFor: "executor" | null;
    migrationType: "cold" | "warm";
    warm: Schemas["WarmProgress"] | null;
    startedAt: string | null;
    phaseStartedAt: string | null;
    finishedAt: string | null;
    updatedAt: string;
  };
  ImportDiagnostic: {
    severity: "error" | "warning" | "info";
    sheet: string | null;
    row: number | null;
    column: string | null;
    value?: string | null;
    message: string;
  };
  ImportEditsOutcome: {
    planId: string;
    version: number;
    rows: Array<{
      sheet: string;
      row: number;
      vmKey: string;
      vmName: string;
      fromWave: number | null;
      toWave: number | null;
      outcome: "applied" | "refused" | "unchanged";
      message: string;
    }>;
    windows: Array<{
      sheet: string;
      row: number;
      wave: number;
      window: {
        start: string;
        end: string;
        zone: string;
      } | null;
      outcome: "applied" | "refused" | "unchanged";
      message: string;
    }>;
    migrations: Array<{
      sheet: string;
      row: number;
      field: "migration" | "cutover";
      vmKey: string | null;
      wave: number | null;
      value: string | null;
      outcome: "applied" | "refused" | "unchanged";
      message: string;
    }>;
    problems: Array<{
      sheet: string;
      row: number;
      message: string;
    }>;
    violations: Array<Schemas["Violation"]>;
    invalidatedWaves: Array<number>;
  };
  ImportJob: {
    id: string;
    fileName: string;
    stage: "reading" | "storing" | "succeeded" | "failed";
    startedAt: string;
    finishedAt: string | null;
    progress: Schemas["ImportProgress"];
    result: Schemas["ImportResult"] | null;
    error: Schemas["ApiError"] | null;
  };
  ImportProgress: {
    sheet: string | null;
    sheetRows: number;
    rowsRead: number;
    vmsFound: number;
    vmsStored: number;
    inflatedBytes: number | null;
    totalInflatedBytes: number | null;
    percent: number | null;
  };
  ImportResult: {
    inventoryId: string;
    name: string;
    fileName: string;
    format: string;
    rvtoolsVersion: string | null;
    summary: Schemas["InventorySummary"];
    diagnostics: Array<Schemas["ImportDiagnostic"]>;
  };
  Inventory: {
    id: string;
    name: string;
    fileName: string;
    format: string;
    rvtoolsVersion: string | null;
    exportedAt: string | null;
    exportedAtBasis: "vMetaData" | "file-name" | "newest-timestamp" | null;
    createdAt: string;
    summary: Schemas["InventorySummary"];
  };
  InventoryDetail: {
    id: string;
    name: string;
    fileName: string;
    format: string;
    rvtoolsVersion: string | null;
    exportedAt: string | null;
    exportedAtBasis: "vMetaData" | "file-name" | "newest-timestamp" | null;
    createdAt: string;
    summary: Schemas["InventorySummary"];
    source: {
      fileName: string;
      format: "xlsx" | "csv-zip" | "csv-folder" | "csv";
      rvtoolsVersion: string | null;
      sheets: Array<string>;
      vcenters: Array<{
        server: string | null;
        uuid: string | null;
      }>;
      exportedAt?: string | null;
      exportedAtBasis?: "vMetaData" | "file-name" | "newest-timestamp" | null;
    };
    diagnostics: Array<Schemas["ImportDiagnostic"]>;
  };
  InventorySummary: {
    vms: number;
    templates: number;
    poweredOn: number;
    poweredOff: number;
    hosts: number;
    clusters: number;
    datacenters: number;
    datastores: number;
    networks: number;
    disks: number;
    provisionedGiB: number;
    inUseGiB: number;
    vcpus: number;
    memoryGiB: number;
    diagnostics: {
      error: number;
      warning: number;
      info: number;
    };
    exportedAt?: string | null;
    exportedAtBasis?: "vMetaData" | "file-name" | "newest-timestamp" | null;
  };
  InventoryVm: {
    id: number;
    key: string;
    name: string;
    moref: string | null;
    uuid: string | null;
    datacenter: string | null;
    cluster: string | null;
    host: string | null;
    template: boolean;
    cpus: number;
    memoryMiB: number;
    provisionedMiB: number | null;
    vcenter: {
      server: string | null;
      uuid: string | null;
    };
    folder: string | null;
    powerState: "poweredOn" | "poweredOff" | "suspended" | "unknown";
    guestOsConfig: string | null;
    guestOsTools: string | null;
    firmware: "bios" | "efi" | "unknown";
    inUseMiB: number | null;
    customAttributes: {
      [key: string]: string;
    };
    disks: Array<{
      label: string;
      capacityMiB: number;
      [key: string]: unknown;
    }>;
    nics: Array<{
      label: string;
      network: string | null;
      [key: string]: unknown;
    }>;
    [key: string]: unknown;
  };
  InventoryVmListItem: {
    id: number;
    key: string;
    name: string;
    moref: string | null;
    uuid: string | null;
    datacenter: string | null;
    cluster: string | null;
    host: string | null;
    powerState: string;
    guestOs: string | null;
    template: boolean;
    cpus: number;
    memoryMiB: number;
    provisionedMiB: number | null;
  };
  InventoryVmPage: {
    items: Array<Schemas["InventoryVmListItem"]>;
    total: number;
    offset: number;
    limit: number;
  };
  Liveness: {
    status: "ok";
  };
  MapSourceEntry: {
    source: string;
    unnamed: boolean;
    vms: number;
    items: number;
    waves: Array<number>;
    exampleVms: Array<string>;
    target: {
      type: "pod";
    } | {
      type: "multus";
      name: string;
    } | {
      type: "ignored";
      reason?: string;
    } | {
      storageClass: string;
      volumeMode?: "Filesystem" | "Block";
      accessMode?: "ReadWriteOnce" | "ReadWriteMany" | "ReadOnlyMany" | "ReadWriteOncePod";
    } | {
      excluded: true;
      reason: string;
    } | null;
  };
  MigrationPatch: {
    type?: "cold" | "warm";
    byWave?: {
      [key: string]: "cold" | "warm" | null;
    };
    warmVms?: Array<string>;
    coldVms?: Array<string>;
    precopyIntervalMinutes?: number;
    cutoverAt?: {
      [key: string]: string | null;
    };
    changeRatePercentPerHour?: number;
    conversionMinutes?: number;
    bootMinutes?: number;
  };
  MoveGroup: {
    name: string;
    key: "rule" | "attribute" | "vapp" | "folder" | "resource-pool" | "name-prefix" | "shared-disk" | "singleton";
    value: string | null;
    vmKeys: Array<string>;
    vmNames: Array<string>;
    rehostVmKeys: Array<string>;
    sharedDisks: Array<string>;
    mergedFrom: Array<string>;
    effort: "low" | "medium" | "high" | null;
    dataMiB: number;
  };
  Plan: {
    id: string;
    name: string;
    inventoryId: string;
    assessmentId: string;
    status: string;
    version: number;
    createdAt: string;
    updatedAt: string;
    createdBy: string;
    settings: Schemas["PlanSettings"];
    lowerBoundWaves: number;
    lowerBound: {
      waves: number;
      byVmCount: number;
      byData: number;
      byAggregateWindow: number;
      byHostWindow: number;
      byHostVmCap: number;
      byDatastoreVmCap: number;
      byDependencyChain: number;
      byManualEdits: number;
      pilotWave: number;
      oversizedGroups: number;
    };
    violations: Array<Schemas["Violation"]>;
    excluded: Array<{
      vmKey: string;
      name: string;
      reason: "manual" | "retain" | "retire" | "out-of-scope" | "not-assessed";
    }>;
    groups: Array<Schemas["MoveGroup"]>;
    waves: Array<Schemas["Wave"]>;
  };
  PlanEditInput: {
    kind: "move-vm";
    vmKey: string;
    toWave: number;
    pin?: boolean;
  } | {
    kind: "move-group";
    group: string;
    toWave: number;
    pin?: boolean;
  } | {
    kind: "pin-vm";
    vmKey: string;
  } | {
    kind: "unpin-vm";
    vmKey: string;
  } | {
    kind: "pin-group";
    group: string;
  } | {
    kind: "unpin-group";
    group: string;
  } | {
    kind: "exclude-vm";
    vmKey: string;
  } | {
    kind: "include-vm";
    vmKey: string;
    toWave?: number;
  } | {
    kind: "exclude-group";
    group: string;
  } | {
    kind: "include-group";
    group: string;
    toWave?: number;
  } | {
    kind: "add-wave";
  };
  PlanMaps: {
    networkMap: {
      [key: string]: {
        type: "pod";
      } | {
        type: "multus";
        name: string;
      } | {
        type: "ignored";
        reason?: string;
      };
    };
    storageMap: {
      [key: string]: {
        storageClass: string;
        volumeMode?: "Filesystem" | "Block";
        accessMode?: "ReadWriteOnce" | "ReadWriteMany" | "ReadOnlyMany" | "ReadWriteOncePod";
      } | {
        excluded: true;
        reason: string;
      };
    };
    targetNamespace: {
      default: string;
      byWave: {
        [key: string]: string;
      };
      byGroup: {
        [key: string]: string;
      };
    };
    sources: {
      networks: Array<Schemas["MapSourceEntry"]>;
      datastores: Array<Schemas["MapSourceEntry"]>;
    };
  };
  PlanSettings: {
    constraints: {
      maxVmsPerWave: number;
      maxDataGiBPerWave: number;
      cutoverWindowHours: number;
      perDiskMiBps: number;
      perHostMiBps: number;
      concurrentDisksPerHost: number;
      maxVmsPerHost: number | null;
      maxVmsPerDatastore: number | null;
      pilot: {
        vms: number;
        maxDataGiB: number;
      } | null;
    };
    grouping: {
      keys: Array<"rules" | "attribute" | "vapp" | "folder" | "resource-pool" | "name-prefix">;
      rules: Array<{
        name: string;
        match: Array<string>;
      }>;
      attribute: string | null;
      namePrefixPattern: string | null;
    };
    dependencies: Array<{
      before: string;
      after: string;
    }>;
    ordering: "effort" | "readiness" | "packing";
    networkMap: {
      [key: string]: {
        type: "pod";
      } | {
        type: "multus";
        name: string;
      } | {
        type: "ignored";
        reason?: string;
      };
    };
    storageMap: {
      [key: string]: {
        storageClass: string;
        volumeMode?: "Filesystem" | "Block";
        accessMode?: "ReadWriteOnce" | "ReadWriteMany" | "ReadOnlyMany" | "ReadWriteOncePod";
      } | {
        excluded: true;
        reason: string;
      };
    };
    targetNamespace: {
      default: string;
      byWave: {
        [key: string]: string;
      };
      byGroup: {
        [key: string]: string;
      };
    };
    guestConversion: {
      rawCopy: boolean;
      rawCopyVms: Array<string>;
    };
    manual: {
      pins: {
        [key: string]: number;
      };
      excludedVms: Array<string>;
      addedWaves: Array<number>;
    };
    changeWindows: {
      [key: string]: {
        start: string;
        end: string;
        zone: string;
      };
    };
    migration: {
      type: "cold" | "warm";
      byWave: {
        [key: string]: "cold" | "warm";
      };
      warmVms: Array<string>;
      coldVms: Array<string>;
      precopyIntervalMinutes: number;
      cutoverAt: {
        [key: string]: string;
      };
      changeRatePercentPerHour: number;
      conversionMinutes: number;
      bootMinutes: number;
    };
  };
  PlanSummary: {
    id: string;
    name: string;
    inventoryId: string;
    assessmentId: string;
    status: string;
    version: number;
    createdAt: string;
    updatedAt: string;
  };
  PolicyDocument: {
    version?: number;
    [key: string]: unknown;
  };
  Principal: {
    actor: string;
    roles: Array<Schemas["Role"]>;
  };
  Readiness: {
    status: "ok";
    database: "postgres" | "embedded";
    redis: "ok" | "not configured";
  };
  Role: "viewer" | "planner" | "approver" | "operator" | "admin";
  SizingTotals: {
    vms: number;
    vcpus: number;
    memoryMiB: number;
    memoryWithOverheadMiB: number;
    storageMiB: number;
    storageByClassMiB: {
      [key: string]: number;
    };
    workerNodes: number;
    workerNodesFor?: {
      cpu: number;
      memory: number;
      spare: number;
    };
  };
  StoredPolicy: {
    policy: Schemas["AssessmentPolicy"];
    source: "stored";
  };
  Violation: {
    code: string;
    severity: "error" | "warning";
    wave: number | null;
    message: string;
    vmKeys: Array<string>;
    groups: Array<string>;
  };
  VmAssessment: {
    vmKey: string;
    name: string;
    moref: string | null;
    disposition: "rehost" | "retain" | "retire";
    outOfScope: "template" | "srm-placeholder" | "cluster-service-vm" | null;
    effort: "low" | "medium" | "high";
    score: number;
    reasons: Array<{
      code: string;
      message: string;
    }>;
    concerns: Array<{
      id: string;
      severity: "critical" | "warning" | "info";
      message: string;
      evidence: {
        [key: string]: string | number | boolean | null;
      };
    }>;
    retire: {
      confidence: number;
      evidence: {
        [key: string]: string | number | boolean | null;
      };
    } | null;
    os: {
      family: string;
      preference: string | null;
      support: "supported" | "legacy" | "unsupported" | "unknown";
      needsDriverConversion: boolean;
      osName?: string | null;
      matchedBy?: "tools" | "guest-id" | "config" | null;
      reason?: string | null;
    };
    sizing: {
      sockets: number;
      coresPerSocket: number;
      threads: number;
      memoryMiB: number;
      memoryWithOverheadMiB: number;
      disks: Array<{
        label: string;
        capacityMiB: number;
        requestMiB: number;
        datastore: string | null;
        storageClass: string | null;
      }>;
      storageByClassMiB: {
        [key: string]: number;
      };
    };
    transfer: {
      dataMiB: number;
      largestDiskMiB: number;
      hours: number;
      bottleneck?: "disk" | "host";
    };
    warm: Schemas["WarmReadiness"];
    targetName: string;
    override: Schemas["VmOverride"] | null;
  };
  VmAssessmentPage: {
    items: Array<Schemas["VmAssessment"]>;
    total: number;
    offset: number;
    limit: number;
  };
  VmAssessmentRow: {
    vmKey: string;
    name: string;
    disposition: "rehost" | "retain" | "retire";
    overriddenTo: "rehost" | "retain" | "retire" | null;
    effort: "low" | "medium" | "high" | null;
    score: number;
    osFamily: string;
    osName: string | null;
    concerns: number;
  };
  VmAssessmentRowPage: {
    items: Array<Schemas["VmAssessmentRow"]>;
    total: number;
    offset: number;
    limit: number;
  };
  VmOverride: {
    disposition: "rehost" | "retain" | "retire";
    comment: string;
    by: string | null;
    at: string;
  };
  WarmProgress: {
    precopies: number;
    lastPrecopy: {
      number: number;
      bytes: number | null;
      seconds: number;
      copiedAt: string;
    } | null;
    nextPrecopyAt: string | null;
    cutoverAt: string | null;
    cutover: "precopying" | "waiting-for-slots" | "cutting-over" | "done";
    importerRestarts: number;
    downtimeSeconds: number | null;
  };
  WarmReadiness: {
    ready: boolean;
    reasons: Array<string>;
  };
  Wave: {
    number: number;
    pilot: boolean;
    addedByHand: boolean;
    vmKeys: Array<string>;
    vms: Array<{
      key: string;
      name: string;
      group: string;
      targetName: string;
      targetNamespace: string;
      effort: "low" | "medium" | "high" | null;
      dataMiB: number;
      host: string | null;
      pinned: boolean;
      migrationType?: "cold" | "warm";
      downtimeMinutes?: Schemas["DowntimeMinutes"];
    }>;
    groups: Array<string>;
    dataMiB: number;
    dataGiB: number;
    estimatedHours: number;
    concurrency: {
      streamsPerHost: number;
      perDiskMiBps: number;
      perHostMiBps: number;
      hosts: number;
      peakStreams: number;
      slowestHost: string | null;
    };
    hosts: Array<string>;
    datastores: Array<string>;
    networks: Array<string>;
    openConcerns: {
      count: number;
      bySeverity: {
        critical: number;
        warning: number;
        info: number;
      };
      items: Array<{
        vmKey: string;
        vmName: string;
        id: string;
        severity: "critical" | "warning" | "info";
        message: string;
      }>;
    };
    targetNamespace: string;
    migration?: Schemas["WaveMigration"];
    approval: Schemas["WaveApproval"] | null;
  };
  WaveApproval: {
    number: number;
    status: "draft" | "approved" | "executing" | "completed" | "failed" | "cancelled";
    contentHash: string;
    approvedHash: string | null;
    approvedBy: string | null;
    approvedAt: string | null;
  };
  WaveBoard: {
    id: string;
    name: string;
    assessmentId: string;
    status: string;
    version: number;
    lowerBoundWaves: number;
    cutoverWindowHours: number;
    violations: {
      total: number;
      errors: number;
      byCode: Array<{
        code: string;
        severity: "error" | "warning";
        count: number;
      }>;
      listed: Array<Schemas["Violation"]>;
    };
    waves: Array<{
      number: number;
      pilot: boolean;
      vmCount: number;
      dataGiB: number;
      estimatedHours: number;
      violations: {
        errors: number;
        warnings: number;
      };
      approval: {
        status: "draft" | "approved" | "executing" | "completed" | "failed" | "cancelled";
        contentHash: string;
      } | null;
      vms: Array<{
        key: string;
        name: string;
        pinned: boolean;
      }>;
    }>;
  };
  WaveManifestFile: {
    path: string;
    namespace: string;
    vm: string;
    kind: string;
    name: string;
    yaml: string;
  };
  WaveManifests: {
    planId: string;
    wave: number;
    vms: number;
    files: Array<Schemas["WaveManifestFile"]>;
  };
  WaveMigration: {
    warmVms: number;
    coldVms: number;
    cutoverAt: string | null;
    hoursToCutoverReady: number | null;
    downtimeMinutes: {
      warm: number;
      cold: number;
      planned: number;
    };
  };
}

export interface Operations {
  "GET /assessments/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["AssessmentDetail"];
  };
  "DELETE /assessments/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: undefined;
  };
  "GET /assessments/{id}/vms": {
    path: {
      id: string;
    };
    query: {
      offset?: number;
      limit?: number;
      disposition?: "rehost" | "retain" | "retire";
      concern?: string;
      effort?: "low" | "medium" | "high";
      search?: string;
      inScope?: "true" | "false";
      warmReady?: "true" | "false";
      cluster?: string;
      os?: string;
      sort?: "name" | "disposition" | "effort" | "score" | "os" | "concerns" | "-name" | "-disposition" | "-effort" | "-score" | "-os" | "-concerns";
    };
    body: never;
    response: Schemas["VmAssessmentPage"];
  };
  "GET /assessments/{id}/vms/{vmKey}": {
    path: {
      id: string;
      vmKey: string;
    };
    query: never;
    body: never;
    response: Schemas["VmAssessment"];
  };
  "PUT /assessments/{id}/vms/{vmKey}/override": {
    path: {
      id: string;
      vmKey: string;
    };
    query: never;
    body: {
      disposition: "rehost" | "retain" | "retire";
      comment: string;
    } | {
      disposition: null;
    };
    response: Schemas["VmAssessment"];
  };
  "GET /assessments/{id}/vms/facets": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["AssessmentVmFacets"];
  };
  "GET /assessments/{id}/vms/rows": {
    path: {
      id: string;
    };
    query: {
      offset?: number;
      limit?: number;
      disposition?: "rehost" | "retain" | "retire";
      concern?: string;
      effort?: "low" | "medium" | "high";
      search?: string;
      inScope?: "true" | "false";
      warmReady?: "true" | "false";
      cluster?: string;
      os?: string;
      sort?: "name" | "disposition" | "effort" | "score" | "os" | "concerns" | "-name" | "-disposition" | "-effort" | "-score" | "-os" | "-concerns";
    };
    body: never;
    response: Schemas["VmAssessmentRowPage"];
  };
  "GET /audit": {
    path: never;
    query: {
      resourceType?: string;
      resourceId?: string;
      after?: number;
      limit?: number;
    };
    body: never;
    response: Array<Schemas["AuditEntry"]>;
  };
  "GET /executions/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["Execution"];
  };
  "POST /executions/{id}/abandon": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["AbandonOutcome"];
  };
  "POST /executions/{id}/cancel": {
    path: {
      id: string;
    };
    query: never;
    body: {
      vmKeys?: Array<string>;
    };
    response: Schemas["Execution"];
  };
  "POST /executions/{id}/cutover": {
    path: {
      id: string;
    };
    query: never;
    body: {
      at?: string;
    };
    response: Schemas["Execution"];
  };
  "GET /executions/{id}/events": {
    path: {
      id: string;
    };
    query: {
      after?: number;
      limit?: number;
    };
    body: never;
    response: Array<Schemas["ExecutionEvent"]>;
  };
  "POST /executions/{id}/retry": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["Execution"];
  };
  "GET /executions/{id}/stream": {
    path: {
      id: string;
    };
    query: {
      after?: number;
    };
    body: never;
    response: Blob;
  };
  "GET /healthz": {
    path: never;
    query: never;
    body: never;
    response: Schemas["Liveness"];
  };
  "GET /inventories": {
    path: never;
    query: never;
    body: never;
    response: Array<Schemas["Inventory"]>;
  };
  "POST /inventories": {
    path: never;
    query: {
      name?: string;
    };
    body: {
      file: Blob;
      name?: string;
    };
    response: Schemas["ImportResult"];
  };
  "GET /inventories/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["InventoryDetail"];
  };
  "DELETE /inventories/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: undefined;
  };
  "GET /inventories/{id}/assessments": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Array<Schemas["Assessment"]>;
  };
  "POST /inventories/{id}/assessments": {
    path: {
      id: string;
    };
    query: never;
    body: {
      policy?: Schemas["PolicyDocument"];
      asOf?: string;
    };
    response: Schemas["AssessResult"];
  };
  "GET /inventories/{id}/vms": {
    path: {
      id: string;
    };
    query: {
      offset?: number;
      limit?: number;
      cluster?: string;
      powerState?: "poweredOn" | "poweredOff" | "suspended" | "unknown";
      os?: string;
      search?: string;
      template?: "true" | "false";
    };
    body: never;
    response: Schemas["InventoryVmPage"];
  };
  "GET /inventories/{id}/vms/{vmId}": {
    path: {
      id: string;
      vmId: string;
    };
    query: never;
    body: never;
    response: Schemas["InventoryVm"];
  };
  "POST /inventory-imports": {
    path: never;
    query: {
      name?: string;
    };
    body: {
      file: Blob;
      name?: string;
    };
    response: Schemas["ImportJob"];
  };
  "GET /inventory-imports/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["ImportJob"];
  };
  "GET /plans": {
    path: never;
    query: never;
    body: never;
    response: Array<Schemas["PlanSummary"]>;
  };
  "POST /plans": {
    path: never;
    query: never;
    body: {
      assessmentId: string;
      name?: string;
      settings?: {
        [key: string]: unknown;
      };
    };
    response: Schemas["Plan"];
  };
  "GET /plans/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["Plan"];
  };
  "DELETE /plans/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: undefined;
  };
  "GET /plans/{id}/{table}.{format}": {
    path: {
      id: string;
      table: "vms" | "waves";
      format: "csv" | "json";
    };
    query: never;
    body: never;
    response: Blob;
  };
  "GET /plans/{id}/board": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["WaveBoard"];
  };
  "POST /plans/{id}/edits": {
    path: {
      id: string;
    };
    query: never;
    body: Schemas["PlanEditInput"] | Array<Schemas["PlanEditInput"]>;
    response: Schemas["EditOutcome"];
  };
  "GET /plans/{id}/groups": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Array<Schemas["MoveGroup"]>;
  };
  "POST /plans/{id}/import-edits": {
    path: {
      id: string;
    };
    query: never;
    body: {
      file: Blob;
    };
    response: Schemas["ImportEditsOutcome"];
  };
  "GET /plans/{id}/maps": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["PlanMaps"];
  };
  "PUT /plans/{id}/maps": {
    path: {
      id: string;
    };
    query: never;
    body: {
      networkMap?: {
        [key: string]: {
          type: "pod";
        } | {
          type: "multus";
          name: string;
        } | {
          type: "ignored";
          reason?: string;
        } | null;
      };
      storageMap?: {
        [key: string]: {
          storageClass: string;
          volumeMode?: "Filesystem" | "Block";
          accessMode?: "ReadWriteOnce" | "ReadWriteMany" | "ReadOnlyMany" | "ReadWriteOncePod";
        } | {
          excluded: true;
          reason: string;
        } | null;
      };
      targetNamespace?: {
        [key: string]: unknown;
      };
    };
    response: Schemas["EditOutcome"];
  };
  "PUT /plans/{id}/migration": {
    path: {
      id: string;
    };
    query: never;
    body: Schemas["MigrationPatch"];
    response: Schemas["EditOutcome"];
  };
  "POST /plans/{id}/replan": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["EditOutcome"];
  };
  "GET /plans/{id}/report.xlsx": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Blob;
  };
  "GET /plans/{id}/settings": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["PlanSettings"];
  };
  "PUT /plans/{id}/settings": {
    path: {
      id: string;
    };
    query: never;
    body: {
      [key: string]: unknown;
    };
    response: Schemas["EditOutcome"];
  };
  "GET /plans/{id}/waves": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Array<Schemas["Wave"]>;
  };
  "POST /plans/{id}/waves": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: Schemas["EditOutcome"];
  };
  "GET /plans/{id}/waves/{number}": {
    path: {
      id: string;
      number: number;
    };
    query: never;
    body: never;
    response: Schemas["Wave"];
  };
  "POST /plans/{id}/waves/{number}/approve": {
    path: {
      id: string;
      number: number;
    };
    query: never;
    body: Schemas["ApproveWave"];
    response: Schemas["Plan"];
  };
  "POST /plans/{id}/waves/{number}/execute": {
    path: {
      id: string;
      number: number;
    };
    query: never;
    body: {
      convertGuest?: "auto" | "always" | "never";
      allowHardPowerOff?: boolean;
      startVms?: boolean;
    };
    response: Schemas["Execution"];
  };
  "GET /plans/{id}/waves/{number}/manifests": {
    path: {
      id: string;
      number: number;
    };
    query: never;
    body: never;
    response: Schemas["WaveManifests"];
  };
  "PUT /plans/{id}/waves/{number}/window": {
    path: {
      id: string;
      number: number;
    };
    query: never;
    body: Schemas["ChangeWindowInput"];
    response: Schemas["EditOutcome"];
  };
  "DELETE /plans/{id}/waves/{number}/window": {
    path: {
      id: string;
      number: number;
    };
    query: never;
    body: never;
    response: Schemas["EditOutcome"];
  };
  "GET /policies": {
    path: never;
    query: never;
    body: never;
    response: Schemas["CurrentPolicy"];
  };
  "PUT /policies": {
    path: never;
    query: never;
    body: Schemas["PolicyDocument"];
    response: Schemas["StoredPolicy"];
  };
  "GET /readyz": {
    path: never;
    query: never;
    body: never;
    response: Schemas["Readiness"];
  };
  "GET /tokens": {
    path: never;
    query: never;
    body: never;
    response: Array<Schemas["ApiToken"]>;
  };
  "POST /tokens": {
    path: never;
    query: never;
    body: {
      name: string;
      roles: Array<Schemas["Role"]>;
    };
    response: Schemas["CreatedApiToken"];
  };
  "DELETE /tokens/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: undefined;
  };
  "GET /whoami": {
    path: never;
    query: never;
    body: never;
    response: Schemas["Principal"];
  };
}
