// Runs first in the threaded engine's glue (--pre-js): the size of the pre-warmed pthread
// pool, which PTHREAD_POOL_SIZE reads as `Module.pthreadPoolSize`. A caller may pass its own
// (createEngine({pthreadPoolSize: 3})); otherwise one worker per logical core but one (the
// calling thread trains too), between 1 and 7. The pool must hold at least one worker: with
// none the factory's promise never settles. Starting more threads than the pool holds makes
// the first join hang, so the engine clamps every run's threads to what is left of it.
if (!(Module['pthreadPoolSize'] >= 1)) {
  var digitrainCores = (typeof navigator === 'object' && navigator && navigator.hardwareConcurrency) || 4;
  Module['pthreadPoolSize'] = Math.max(1, Math.min(8, digitrainCores) - 1);
}
Module['pthreadPoolSize'] = Math.min(63, Math.floor(Module['pthreadPoolSize']));
