/*
 * The fuzz targets' common header.  Each fuzz_NAME.c defines
 * LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize); it is
 * linked either with libFuzzer (clang, "make fuzz", build-fuzz/) or
 * with replay.c (any compiler, "make unit": build/ and build-asan/
 * regress/unit/test_fuzz_NAME), which feeds it every file of the
 * committed corpus regress/fuzz/corpus/NAME/ so that "make test"
 * replays them.
 *
 * A target that finds a broken invariant (not a mere parse error)
 * calls fuzz_fail(), which aborts: libFuzzer keeps the input, the
 * replay counts the file as failed.
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	 LLVMFuzzerInitialize(int *, char ***);
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* replay.c or libFuzzer: where diagnostics go (stderr may be closed) */
void	 fuzz_fail(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* FUZZ_H */
