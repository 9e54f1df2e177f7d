#include "textflag.h"

// func clientRequest(args *[6]uint64) uint64
//
// Valgrind's client request (valgrind.h, VALGRIND_DO_CLIENT_REQUEST_EXPR
// for amd64): the request and its arguments at (AX), the rotations of DI
// and the exchange of BX mark it; DX is the result, the default when not
// under valgrind.
TEXT ·clientRequest(SB), NOSPLIT, $0-16
	MOVQ args+0(FP), AX
	MOVQ $0, DX
	ROLQ $3, DI
	ROLQ $13, DI
	ROLQ $61, DI
	ROLQ $51, DI
	XCHGQ BX, BX
	MOVQ DX, ret+8(FP)
	RET
