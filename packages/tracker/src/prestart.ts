// The light entry of @spm/tracker (`@spm/tracker/prestart`): what a program's first lines call
// to start the worker threads of its local thread spokes before the runtime loads. It loads
// only @spm/spoke's and @spm/transport's prestart modules (themselves only Node built-ins and @spm/exceptions).
export { prestartThreadSpokes, type PrestartSpokesOptions } from '@spm/spoke/prestart';
export { discardPrestartedThreads } from '@spm/transport/prestart';
