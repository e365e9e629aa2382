# The WebAssembly builds, included by the top CMakeLists.txt when configured with Emscripten
# (scripts/build-wasm.mjs does that: `npm run build:wasm`). Same cpp/core sources as the native
# build; gzip.cpp compiles to nothing here (zlib is native-only).
#
#   engine_mt       threads + SIMD:  <build>/mt/engine.mjs, engine.wasm, engine.worker.js
#   engine_st       SIMD only:       <build>/st/engine.mjs, engine.wasm
#   digitrain_node  the CLI for Node (cpp/tools/*.cpp, NODERAWFS): <build>/node/digitrain.js
#
# Needs NODE_PATH=/usr/share/nodejs in the environment (Debian's emscripten finds acorn there;
# without it -O2/-O3 links fail), and -DEigen3_DIR=/usr/share/eigen3/cmake.

set(DIGITRAIN_WASM_SIMD "sse" CACHE STRING
    "How Eigen vectorises in WebAssembly: 'sse' (Eigen's SSE path on a patched header copy, mapped onto wasm SIMD by Emscripten) or 'plain' (-msimd128 alone: LLVM's autovectorisation only)")
set_property(CACHE DIGITRAIN_WASM_SIMD PROPERTY STRINGS sse plain)
# Memory grows with the data, in both builds and the Node CLI. The threaded build's memory
# is shared with its workers; Emscripten grows it too (the glue then re-checks its views of
# the heap on each access from JS: the copies in and out of embind.cpp, not the training
# loop, which runs in wasm; measured no slower). A fixed heap had to be sized for the worst
# case and cost every page that much: ~256 MB reserved and counted once per thread.
set(DIGITRAIN_WASM_INITIAL_MEMORY "32MB" CACHE STRING
    "Memory the browser builds and the Node CLI start with (the demo digits fit in it)")
set(DIGITRAIN_WASM_MAXIMUM_MEMORY "2GB" CACHE STRING
    "The most memory the browser builds and the Node CLI may grow to")
set(DIGITRAIN_WASM_MEMORY -sINITIAL_MEMORY=${DIGITRAIN_WASM_INITIAL_MEMORY} -sALLOW_MEMORY_GROWTH=1
    -sMAXIMUM_MEMORY=${DIGITRAIN_WASM_MAXIMUM_MEMORY})
# C++ exceptions must work: nlohmann::json reports parse errors by throwing, and the core
# catches them by type. 'js' (-fexceptions, Emscripten's JS-based unwinding) is the default
# because with Emscripten 3.1.6 '-fwasm-exceptions -pthread' catches only with catch (...):
# every typed handler (std::exception, json::exception) is skipped. Without threads, wasm
# exceptions work, but measured no faster here for training (within noise, ~5%), so both
# builds use the same mechanism and need no WebAssembly exception-handling support.
set(DIGITRAIN_WASM_EXCEPTIONS "js" CACHE STRING
    "C++ exceptions: 'js' (-fexceptions) or 'wasm' (-fwasm-exceptions; broken with -pthread in Emscripten 3.1.6)")

# --- Eigen headers -------------------------------------------------------------------------
# Eigen 3.4 has no WebAssembly SIMD path. Its SSE path compiles for wasm with -msse4.2
# (Emscripten maps SSE intrinsics onto wasm SIMD) once two inline-asm branches are disabled
# (clang reports GNUC 4.2, and wasm has no x86 register constraints) and an empty mmintrin.h
# (Emscripten ships none) is on the include path. We patch a copy in the build directory;
# /usr/include is never touched. Measured (tp network, batch 32, one thread, Node 20, same
# loaded 2-core machine, back to back): ~34k samples/s through the SSE path, ~23k with
# -msimd128 alone; hence 'sse' by default.
get_target_property(_eigen_include Eigen3::Eigen INTERFACE_INCLUDE_DIRECTORIES)
list(GET _eigen_include 0 _eigen_include)
if(DIGITRAIN_WASM_SIMD STREQUAL "sse")
  set(_eigen_copy "${CMAKE_BINARY_DIR}/eigen-wasm-sse")
  set(_eigen_stamp "${_eigen_copy}/.patched-from")
  set(_eigen_origin "${_eigen_include} v3")
  set(_eigen_done "")
  if(EXISTS "${_eigen_stamp}")
    file(READ "${_eigen_stamp}" _eigen_done)
  endif()
  if(NOT _eigen_done STREQUAL _eigen_origin)
    file(REMOVE_RECURSE "${_eigen_copy}")
    file(COPY "${_eigen_include}/Eigen" DESTINATION "${_eigen_copy}")
    function(_digitrain_patch file from to expected)
      file(READ "${file}" _text)
      string(FIND "${_text}" "${from}" _at)
      if(_at EQUAL -1)
        message(FATAL_ERROR "wasm.cmake: cannot patch ${file}: \"${from}\" not found (another Eigen version?); "
                            "configure with -DDIGITRAIN_WASM_SIMD=plain")
      endif()
      string(REPLACE "${from}" "${to}" _text "${_text}")
      file(WRITE "${file}" "${_text}")
    endfunction()
    _digitrain_patch("${_eigen_copy}/Eigen/src/Core/arch/SSE/PacketMath.h"
                     "#if EIGEN_COMP_GNUC && EIGEN_COMP_GNUC < 63"
                     "#if EIGEN_COMP_GNUC && EIGEN_COMP_GNUC < 63 && !defined(__EMSCRIPTEN__)" 4)
    _digitrain_patch("${_eigen_copy}/Eigen/src/Core/products/GeneralBlockPanelKernel.h"
                     "#if EIGEN_GNUC_AT_LEAST(6,0) && defined(EIGEN_VECTORIZE_SSE)"
                     "#if EIGEN_GNUC_AT_LEAST(6,0) && defined(EIGEN_VECTORIZE_SSE) && !defined(__EMSCRIPTEN__)" 2)
    # Emscripten 3.1.6 emulates _mm_cvttps_epi32 and _mm_cvtpd_epi32 one lane at a time (with
    # lrint), and Eigen's vectorised exp() goes through them (pldexp): the sigmoids and softmax
    # took ~8% of dense training, ~4× what they take as wasm SIMD conversions. Eigen's uses
    # convert in-range (clamped) values, where the wasm saturating truncation agrees with x86's.
    _digitrain_patch("${_eigen_copy}/Eigen/src/Core/arch/SSE/TypeCasting.h"
                     "  return _mm_cvttps_epi32(a);"
                     "  return (Packet4i)wasm_i32x4_trunc_sat_f32x4((v128_t)a);  // digitrain: see wasm.cmake" 1)
    # pldexp's exponents are whole numbers in [-2099, 2099] there: truncation = rounding.
    _digitrain_patch("${_eigen_copy}/Eigen/src/Core/arch/SSE/PacketMath.h"
                     "vec4i_swizzle1(_mm_cvtpd_epi32(e), 0, 3, 1, 3)"
                     "vec4i_swizzle1((Packet4i)wasm_i32x4_trunc_sat_f64x2_zero((v128_t)e), 0, 3, 1, 3)" 1)
    file(WRITE "${_eigen_copy}/compat/mmintrin.h"
         "// Empty: Eigen includes <mmintrin.h> (MMX), which Emscripten does not ship; nothing from it is used.\n#pragma once\n")
    file(WRITE "${_eigen_stamp}" "${_eigen_origin}")
  endif()
  set(DIGITRAIN_WASM_EIGEN_INCLUDE "${_eigen_copy}" "${_eigen_copy}/compat")
  set(DIGITRAIN_WASM_SIMD_FLAGS -msimd128 -msse4.2)
else()
  set(DIGITRAIN_WASM_EIGEN_INCLUDE "${_eigen_include}")
  set(DIGITRAIN_WASM_SIMD_FLAGS -msimd128)
endif()

if(DIGITRAIN_WASM_EXCEPTIONS STREQUAL "js")
  set(DIGITRAIN_WASM_EH -fexceptions)
else()
  set(DIGITRAIN_WASM_EH -fwasm-exceptions)
endif()

# --- nlohmann/json ------------------------------------------------------------------------
# The package's include directory is /usr/include as a whole, where the host's C library
# headers would shadow Emscripten's: the WebAssembly build sees only its nlohmann/ folder,
# through a link in the build directory.
get_target_property(_json_include nlohmann_json::nlohmann_json INTERFACE_INCLUDE_DIRECTORIES)
list(GET _json_include 0 _json_include)
set(DIGITRAIN_JSON_INCLUDE "${CMAKE_BINARY_DIR}/json-include")
if(NOT EXISTS "${DIGITRAIN_JSON_INCLUDE}/nlohmann/json.hpp")
  file(MAKE_DIRECTORY "${DIGITRAIN_JSON_INCLUDE}")
  file(CREATE_LINK "${_json_include}/nlohmann" "${DIGITRAIN_JSON_INCLUDE}/nlohmann" SYMBOLIC)
endif()

# --- The core, once per threading model ---------------------------------------------------
set(DIGITRAIN_WASM_COMPILE -O3 ${DIGITRAIN_WASM_SIMD_FLAGS} ${DIGITRAIN_WASM_EH} -Wall -Wextra)

function(digitrain_wasm_core target threads)
  add_library(${target} STATIC ${DIGITRAIN_CORE_SOURCES})
  target_include_directories(${target} PUBLIC ${CMAKE_SOURCE_DIR}/cpp/core ${DIGITRAIN_JSON_INCLUDE})
  target_include_directories(${target} SYSTEM PUBLIC ${DIGITRAIN_WASM_EIGEN_INCLUDE})
  target_compile_options(${target} PUBLIC ${DIGITRAIN_WASM_COMPILE})
  # Eigen sizes its GEMM register blocks from the pointer size: 8 vector registers on wasm32,
  # as for 32-bit x86, giving a 1-packet × 4 kernel. The engines that run wasm have 16 (x64)
  # or 32 (arm64); 16 gives the 2-packet × 4 kernel: ~8% faster training, measured.
  target_compile_definitions(${target} PUBLIC EIGEN_NO_DEBUG EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS=16 DIGITRAIN_VERSION="${PROJECT_VERSION}")
  if(threads)
    target_compile_options(${target} PUBLIC -pthread)
    target_link_options(${target} PUBLIC -pthread)
  endif()
  # Binaryen inlines every function that has a single caller, however large. Inlined into
  # the training step's per-thread task, the threads' weight update came out ~20% slower
  # under V8 (measured in Node, same code otherwise), so large single-caller functions stay
  # functions. Single-thread training measured the same either way.
  target_link_options(${target} PUBLIC -O3 ${DIGITRAIN_WASM_SIMD_FLAGS} ${DIGITRAIN_WASM_EH}
                      -sBINARYEN_EXTRA_PASSES=--one-caller-inline-max-function-size=1000)
endfunction()

digitrain_wasm_core(digitrain_core_mt ON)
digitrain_wasm_core(digitrain_core_st OFF)

# --- The engine (Embind): web/core/engine.d.ts --------------------------------------------
set(DIGITRAIN_ENGINE_LINK
    -lembind
    -sMODULARIZE=1
    -sEXPORT_NAME=createEngine
    -sEXPORT_ES6=1
    -sENVIRONMENT=web,worker,node
    -sFILESYSTEM=0)

add_executable(engine_mt ${CMAKE_SOURCE_DIR}/cpp/bindings/embind.cpp)
target_link_libraries(engine_mt PRIVATE digitrain_core_mt)
target_link_options(engine_mt PRIVATE ${DIGITRAIN_ENGINE_LINK} ${DIGITRAIN_WASM_MEMORY}
    # The pool is pre-warmed (see pool.pre.js): a join on a thread the pool could not
    # start hangs forever, and starting workers lazily would need the event loop.
    "-sPTHREAD_POOL_SIZE=Module.pthreadPoolSize"
    # Should a thread ever be started beyond the pool: an error (EAGAIN), not a silent hang.
    -sPTHREAD_POOL_SIZE_STRICT=2
    "SHELL:--pre-js ${CMAKE_SOURCE_DIR}/cpp/bindings/pool.pre.js")
set_target_properties(engine_mt PROPERTIES OUTPUT_NAME engine SUFFIX ".mjs"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/mt"
    LINK_DEPENDS "${CMAKE_SOURCE_DIR}/cpp/bindings/pool.pre.js")

add_executable(engine_st ${CMAKE_SOURCE_DIR}/cpp/bindings/embind.cpp)
target_link_libraries(engine_st PRIVATE digitrain_core_st)
target_link_options(engine_st PRIVATE ${DIGITRAIN_ENGINE_LINK} ${DIGITRAIN_WASM_MEMORY})
set_target_properties(engine_st PROPERTIES OUTPUT_NAME engine SUFFIX ".mjs"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/st")

# --- The CLI under Node --------------------------------------------------------------------
# The native digitrain's sources, with Node's file system (NODERAWFS: paths are the host's,
# relative to the working directory) and Node's zlib for .gz input (node_gzip.cpp replaces
# the core's native-only gzip.cpp). EXIT_RUNTIME so main's return value is the exit code.
file(GLOB DIGITRAIN_TOOL_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/cpp/tools/*.cpp)
if(DIGITRAIN_TOOL_SOURCES)
  add_executable(digitrain_node ${DIGITRAIN_TOOL_SOURCES}
      ${CMAKE_SOURCE_DIR}/cpp/bindings/node_gzip.cpp ${CMAKE_SOURCE_DIR}/cpp/bindings/node_tty.cpp)
  target_include_directories(digitrain_node PRIVATE ${CMAKE_SOURCE_DIR}/cpp/tools)
  target_link_libraries(digitrain_node PRIVATE digitrain_core_mt)
  target_link_options(digitrain_node PRIVATE
      -sENVIRONMENT=node,worker
      -sNODERAWFS=1
      -sEXIT_RUNTIME=1
      ${DIGITRAIN_WASM_MEMORY}
      # --threads T starts T-1 workers; node_cli.pre.js sizes the pool from the command line.
      "-sPTHREAD_POOL_SIZE=Module.pthreadPoolSize"
      -sPTHREAD_POOL_SIZE_STRICT=2
      "SHELL:--pre-js ${CMAKE_SOURCE_DIR}/cpp/bindings/node_cli.pre.js")
  set_target_properties(digitrain_node PROPERTIES OUTPUT_NAME digitrain SUFFIX ".js"
      RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/node"
      LINK_DEPENDS "${CMAKE_SOURCE_DIR}/cpp/bindings/node_cli.pre.js")
endif()
