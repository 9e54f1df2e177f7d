;; perconnbounds.wat: shape gives every path one connection (its ceiling
;; too), 8 messages per connection with a floor of 6 and a ceiling of 12
;; (ABI v1.9), 100 new connections per second and fast retries; no other
;; hook. e2e/shaping TestPolicyBoundsMessagesPerConnectionEndToEnd.
(module
  (import "wasmta" "set_i64" (func $set_i64 (param i32 i32 i64) (result i32)))
  (import "wasmta" "set_f64" (func $set_f64 (param i32 i32 f64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0)   "max_connections")                   ;; 15
  (data (i32.const 64)  "adapt_max_connections")             ;; 21
  (data (i32.const 128) "messages_per_connection")           ;; 23
  (data (i32.const 192) "adapt_min_messages_per_connection") ;; 33
  (data (i32.const 256) "adapt_max_messages_per_connection") ;; 33
  (data (i32.const 320) "connections_per_second")            ;; 22
  (data (i32.const 384) "retry_initial_ms")                  ;; 16
  (data (i32.const 448) "retry_max_ms")                      ;; 12
  (func (export "wasmta_abi_v1"))
  (func (export "shape") (result i32)
    (drop (call $set_i64 (i32.const 0) (i32.const 15) (i64.const 1)))
    (drop (call $set_i64 (i32.const 64) (i32.const 21) (i64.const 1)))
    (drop (call $set_i64 (i32.const 128) (i32.const 23) (i64.const 8)))
    (drop (call $set_i64 (i32.const 192) (i32.const 33) (i64.const 6)))
    (drop (call $set_i64 (i32.const 256) (i32.const 33) (i64.const 12)))
    (drop (call $set_f64 (i32.const 320) (i32.const 22) (f64.const 100)))
    (drop (call $set_i64 (i32.const 384) (i32.const 16) (i64.const 300)))
    (drop (call $set_i64 (i32.const 448) (i32.const 12) (i64.const 1000)))
    (i32.const 0))
)
