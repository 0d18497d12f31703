#!/bin/sh
# CMake flags for building llama-cpp-python on this CPU: what -march=native would pick, minus AMX.
# -march=native turns on AMX tile instructions wherever the CPU lists them, but a kernel (or VM)
# that has not enabled AMX state kills the process with SIGILL on the first matrix product; the
# AVX-512 and VNNI paths are nearly as fast and always usable where the CPU lists them.
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
args="-DGGML_NATIVE=OFF"
if has avx2 && has fma && has f16c; then
    args="$args -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
    has avx_vnni && args="$args -DGGML_AVX_VNNI=ON"
    if has avx512f && has avx512bw && has avx512dq && has avx512vl; then
        args="$args -DGGML_AVX512=ON"
        has avx512_vnni && args="$args -DGGML_AVX512_VNNI=ON"
        has avx512_bf16 && args="$args -DGGML_AVX512_BF16=ON"
        has avx512vbmi && args="$args -DGGML_AVX512_VBMI=ON"
    fi
elif has avx; then
    args="$args -DGGML_AVX=ON"
fi
echo "$args"
