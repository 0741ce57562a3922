// The closures' options check is @spm/exceptions' (the tracker's too): kept exported from here,
// where the closure families have imported it from.
export { checkOptionKeys } from '@spm/exceptions';
