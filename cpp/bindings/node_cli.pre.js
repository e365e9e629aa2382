// Runs first in the Node CLI's glue (digitrain_node, --pre-js).
//
// 1. Node 20 has fetch(), so Emscripten 3.1.6's loader fetches the .wasm by file path and
//    fails ("Failed to parse URL"); hand it the bytes instead.
// 2. The pthread pool is pre-warmed (PTHREAD_POOL_SIZE is `Module.pthreadPoolSize`): a thread
//    the pool cannot start makes its join hang forever. The CLI starts T-1 workers for
//    `--threads T` (`bench --threads 1,2,4`: the largest), so the pool is sized from the
//    command line; without a number (`--threads auto`, the default) it holds min(8, cores) − 1
//    workers, the most `auto` chooses from (defaultMaxThreads in cpp/core/parallel.h).
//    This is the one place that reads a setting's flag outside the settings table
//    (cpp/core/settings.cpp): it runs before the engine's code, and so before the table,
//    exists, and the pool cannot grow later. It reads --threads leniently, only to size the
//    pool; the CLI then checks the flag with the table's range and words. 64 is the table's
//    kMaxThreads (cpp/core/settings.h): a larger number is refused there, so it must not
//    start more workers here.
if (!Module['ENVIRONMENT_IS_PTHREAD']) {
  if (!Module['wasmBinary'])
    Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'digitrain.wasm'));
  if (!(Module['pthreadPoolSize'] >= 1)) {
    var digitrainThreads = 0;
    var digitrainArgv = process.argv.slice(2);
    for (var i = 0; i < digitrainArgv.length; ++i) {
      var value = null;
      if (digitrainArgv[i] === '--threads' && i + 1 < digitrainArgv.length) value = digitrainArgv[i + 1];
      else if (digitrainArgv[i].indexOf('--threads=') === 0) value = digitrainArgv[i].slice(10);
      if (value !== null)
        value.split(',').forEach(function (t) {
          var n = parseInt(t, 10);
          if (n > digitrainThreads && n <= 64) digitrainThreads = n;
        });
    }
    if (digitrainThreads === 0) digitrainThreads = Math.min(8, require('os').cpus().length);
    Module['pthreadPoolSize'] = Math.max(1, digitrainThreads - 1);
  }
}
