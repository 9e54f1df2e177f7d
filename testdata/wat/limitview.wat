;; limitview.wat: shape gives every path a preset of 6 connections, 40
;; messages a second and 10 messages per connection, and bounds the
;; learning: connections 1 to 2, rate 4 to 60/s, messages per connection
;; 5 to 15 (ABI v1.9); steps of 1 connection and 2.5/s, factor 0.5, a 2 s
;; quiet period, every signal; idle sessions stay open a minute, retries
;; come fast; no other hook. cmd/wasmta TestQueueSummaryShowsLearnedLimits.
(module
  (import "wasmta" "set_i64" (func $set_i64 (param i32 i32 i64) (result i32)))
  (import "wasmta" "set_f64" (func $set_f64 (param i32 i32 f64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0)    "max_connections")                   ;; 15
  (data (i32.const 64)   "messages_per_second")               ;; 19
  (data (i32.const 128)  "messages_per_connection")           ;; 23
  (data (i32.const 192)  "adapt_min_connections")             ;; 21
  (data (i32.const 256)  "adapt_max_connections")             ;; 21
  (data (i32.const 320)  "adapt_min_rate")                    ;; 14
  (data (i32.const 384)  "adapt_max_rate")                    ;; 14
  (data (i32.const 448)  "adapt_min_messages_per_connection") ;; 33
  (data (i32.const 512)  "adapt_max_messages_per_connection") ;; 33
  (data (i32.const 576)  "adapt_connection_step")             ;; 21
  (data (i32.const 640)  "adapt_rate_step")                   ;; 15
  (data (i32.const 704)  "adapt_factor")                      ;; 12
  (data (i32.const 768)  "adapt_quiet_ms")                    ;; 14
  (data (i32.const 832)  "adapt_signals")                     ;; 13
  (data (i32.const 896)  "idle_timeout_ms")                   ;; 15
  (data (i32.const 960)  "retry_initial_ms")                  ;; 16
  (data (i32.const 1024) "retry_max_ms")                      ;; 12
  (func (export "wasmta_abi_v1"))
  (func (export "shape") (result i32)
    (drop (call $set_i64 (i32.const 0) (i32.const 15) (i64.const 6)))
    (drop (call $set_f64 (i32.const 64) (i32.const 19) (f64.const 40)))
    (drop (call $set_i64 (i32.const 128) (i32.const 23) (i64.const 10)))
    (drop (call $set_i64 (i32.const 192) (i32.const 21) (i64.const 1)))
    (drop (call $set_i64 (i32.const 256) (i32.const 21) (i64.const 2)))
    (drop (call $set_f64 (i32.const 320) (i32.const 14) (f64.const 4)))
    (drop (call $set_f64 (i32.const 384) (i32.const 14) (f64.const 60)))
    (drop (call $set_i64 (i32.const 448) (i32.const 33) (i64.const 5)))
    (drop (call $set_i64 (i32.const 512) (i32.const 33) (i64.const 15)))
    (drop (call $set_i64 (i32.const 576) (i32.const 21) (i64.const 1)))
    (drop (call $set_f64 (i32.const 640) (i32.const 15) (f64.const 2.5)))
    (drop (call $set_f64 (i32.const 704) (i32.const 12) (f64.const 0.5)))
    (drop (call $set_i64 (i32.const 768) (i32.const 14) (i64.const 2000)))
    (drop (call $set_i64 (i32.const 832) (i32.const 13) (i64.const 7)))
    (drop (call $set_i64 (i32.const 896) (i32.const 15) (i64.const 60000)))
    (drop (call $set_i64 (i32.const 960) (i32.const 16) (i64.const 500)))
    (drop (call $set_i64 (i32.const 1024) (i32.const 12) (i64.const 2000)))
    (i32.const 0))
)
