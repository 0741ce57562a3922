/**
 * @spm/tracker — the always-online registry of spokes (seed Fig. 1): liveness, pools, leases
 * to one manager at a time, and the provisioners that start spokes (`local`, `join`).
 * @packageDocumentation
 */
export { Tracker, bindPool, type TrackerEvents, type LeaseRequest, type BoundPool } from './tracker.js';
export type { TrackerOptions, TrackerLog } from './tracker-options.js';
export { Lease, type LeaseEvents, type LostReason, type ReleaseOptions } from './lease.js';
export { intraAll, intraOnePerServer, inter, interOnePerServer, where, type Pool, type PoolContext } from './pool.js';
export type { SpokeInfo, SpokeKind, SpokeState } from './spoke-info.js';
export type { Provisioner, RelaunchCause, SpokeAttacher, SpokeOrigin } from './provisioner.js';
export { LocalProvisioner, local, virtualServerName, type LocalProvisionerOptions, type LocalKind } from './local-provisioner.js';
export { JoinProvisioner, join, type JoinProvisionerOptions } from './join-provisioner.js';
export { VirtualCloud, type VirtualCloudOptions, type CloudPools } from './virtual-cloud.js';
export { prestartThreadSpokes, discardPrestartedThreads, type PrestartSpokesOptions } from './prestart.js';
