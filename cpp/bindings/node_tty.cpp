// isatty() for the CLI under Node (digitrain_node). Emscripten's libc answers "yes" for
// descriptors 0-2 whatever they are connected to, so `digitrain train ... 2>log` would draw
// its progress bar into the log, unlike the native CLI. Ask Node instead. (Linked only into
// digitrain_node; defining isatty here keeps libc's own from being linked.)
#ifdef __EMSCRIPTEN__

#include <emscripten/emscripten.h>

EM_JS(int, digitrain_node_isatty, (int fd), {
  try {
    return require("tty").isatty(fd) ? 1 : 0;
  } catch (e) {
    return 0;
  }
});

extern "C" int isatty(int fd) { return fd >= 0 && fd <= 2 && digitrain_node_isatty(fd) ? 1 : 0; }

#endif  // __EMSCRIPTEN__
