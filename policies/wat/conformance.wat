;; The hand-written WAT build of the cross-language reference policy: the
;; rules of testdata/conformance/README.md, checked by
;; testdata/conformance/cases.toml. No SDK: only the host functions of
;; hostabi/ABI.md section 2.1.
;;
;; Build: wat2wasm conformance.wat -o conformance.wasm   (Debian: wabt)
;;
;; Memory: page 0 holds the constant strings below, one per 64-byte slot;
;; input values are read at 65536 ($BUF) and the memory grows when a value
;; is longer than what is left (a long classify text is searched in full).
(module
  (import "wasmta" "get"     (func $get     (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "get_i64" (func $get_i64 (param i32 i32) (result i64)))
  (import "wasmta" "count"   (func $count   (param i32 i32) (result i32)))
  (import "wasmta" "get_at"  (func $get_at  (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set"     (func $set     (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set_i64" (func $set_i64 (param i32 i32 i64) (result i32)))
  (import "wasmta" "set_f64" (func $set_f64 (param i32 i32 f64) (result i32)))
  (import "wasmta" "lookup"  (func $lookup  (param i32 i32 i32 i32 i32 i32) (result i32))) ;; ABI v1.4

  (memory (export "memory") 2)

  ;; input keys                                  offset  length
  (data (i32.const 0)    "recipient")               ;;  0      9
  (data (i32.const 64)   "tenant")                  ;;  64     6
  (data (i32.const 128)  "campaign")                ;;  128    8
  (data (i32.const 192)  "mx_hosts")                ;;  192    8
  (data (i32.const 256)  "text")                    ;;  256    4
  (data (i32.const 320)  "code")                    ;;  320    4
  (data (i32.const 384)  "enhanced")                ;;  384    8
  ;; result keys
  (data (i32.const 448)  "reject.code")             ;;  448   11
  (data (i32.const 512)  "reject.enhanced")         ;;  512   15
  (data (i32.const 576)  "reject.text")             ;;  576   11
  (data (i32.const 640)  "host")                    ;;  640    4
  (data (i32.const 704)  "pool")                    ;;  704    4
  (data (i32.const 768)  "max_connections")         ;;  768   15
  (data (i32.const 832)  "messages_per_second")     ;;  832   19
  (data (i32.const 896)  "messages_per_connection") ;;  896   23
  (data (i32.const 960)  "tls")                     ;;  960    3
  (data (i32.const 1024) "retry_initial_ms")        ;; 1024   16
  (data (i32.const 1088) "category")                ;; 1088    8
  (data (i32.const 1152) "action")                  ;; 1152    6
  (data (i32.const 1216) "scope")                   ;; 1216    5
  (data (i32.const 1280) "suspend")                 ;; 1280    7
  (data (i32.const 1344) "duration_ms")             ;; 1344   11
  (data (i32.const 1408) "rate_factor")             ;; 1408   11
  (data (i32.const 1472) "threshold")               ;; 1472    9
  (data (i32.const 1536) "window_ms")               ;; 1536    9
  ;; values
  (data (i32.const 1600) "blocked.example")         ;; 1600   15
  (data (i32.const 1664) "5.7.1")                   ;; 1664    5
  (data (i32.const 1728) "recipient domain blocked by policy") ;; 1728 34
  (data (i32.const 1792) "acme")                    ;; 1792    4
  (data (i32.const 1856) "smtp.acme-relay.example:2525") ;; 1856 28
  (data (i32.const 1920) "bulk-")                   ;; 1920    5
  (data (i32.const 1984) "bulk")                    ;; 1984    4
  (data (i32.const 2048) "acme-pool")               ;; 2048    9
  (data (i32.const 2112) ".google.com")             ;; 2112   11
  (data (i32.const 2176) "required")                ;; 2176    8
  (data (i32.const 2240) "[TSS04]")                 ;; 2240    7
  (data (i32.const 2304) "RateLimited")             ;; 2304   11
  (data (i32.const 2368) "retry")                   ;; 2368    5
  (data (i32.const 2432) "path")                    ;; 2432    4
  (data (i32.const 2496) "4.7.28")                  ;; 2496    6
  (data (i32.const 2560) "5.1.1")                   ;; 2560    5
  (data (i32.const 2624) "InvalidRecipient")        ;; 2624   16
  (data (i32.const 2688) "bounce")                  ;; 2688    6
  (data (i32.const 2752) "5.7.10")                  ;; 2752    6
  (data (i32.const 2816) "TLSFailure")              ;; 2816   10
  (data (i32.const 2880) "adapt_max_connections")   ;; 2880   21
  (data (i32.const 2944) "adapt_factor")            ;; 2944   12
  (data (i32.const 3008) "adapt_signals")           ;; 3008   13
  (data (i32.const 3072) "reputation.tenant.1h.complaint_rate_ppm") ;; 3072 39
  (data (i32.const 3136) "reputation.campaign.24h.bounce_rate_ppm") ;; 3136 39
  (data (i32.const 3200) "quarantine")              ;; 3200   10
  (data (i32.const 3264) "domain")                  ;; 3264    6
  (data (i32.const 3328) "smart_hosts")             ;; 3328   11
  (data (i32.const 3456) "suppress")                ;; 3456    8
  (data (i32.const 3520) "suppress_for_ms")         ;; 3520   15
  (data (i32.const 3584) "global")                  ;; 3584    6
  ;; ABI v1.5
  (data (i32.const 4096) "tls_policy")              ;; 4096   10
  (data (i32.const 4160) "enforce")                 ;; 4160    7
  (data (i32.const 4224) "reputation.pool.acme-pool.1h.complaint_rate_ppm") ;; 4224 47
  (data (i32.const 4288) "acme-backup")             ;; 4288   11
  ;; ABI v1.9
  (data (i32.const 4352) "adapt_min_messages_per_connection") ;; 4352 33
  (data (i32.const 4416) "adapt_max_messages_per_connection") ;; 4416 33

  (global $BUF i32 (i32.const 65536))

  (func (export "wasmta_abi_v1"))

  ;; Rule 1: refuse recipients of blocked.example (the bytes after the last
  ;; @, ASCII-lowercased).
  (func (export "on_rcpt") (result i32)
    (local $n i32) (local $i i32) (local $start i32)
    (local.set $n (call $read (i32.const 0) (i32.const 9)))
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 1))))
    (local.set $i (local.get $n))
    (block $found
      (loop $back
        (br_if $found (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (if (i32.eq (i32.load8_u (i32.add (global.get $BUF) (local.get $i))) (i32.const 64)) ;; '@'
          (then (local.set $start (i32.add (local.get $i) (i32.const 1))) (br $found)))
        (br $back)))
    (if (i32.eqz (call $eq_ascii_nocase
          (i32.add (global.get $BUF) (local.get $start)) (i32.sub (local.get $n) (local.get $start))
          (i32.const 1600) (i32.const 15)))
      (then (return (i32.const 1))))
    (drop (call $set_i64 (i32.const 448) (i32.const 11) (i64.const 550)))
    (drop (call $set (i32.const 512) (i32.const 15) (i32.const 1664) (i32.const 5)))
    (drop (call $set (i32.const 576) (i32.const 11) (i32.const 1728) (i32.const 34)))
    (i32.const 0))

  ;; Rule 2: tenant acme goes through its smart host; other tenants through
  ;; the smart host the table smart_hosts names for the domain.
  (func (export "route") (result i32)
    (local $n i32) (local $v i32)
    (if (call $input_is (i32.const 64) (i32.const 6) (i32.const 1792) (i32.const 4))
      (then
        (drop (call $set (i32.const 640) (i32.const 4) (i32.const 1856) (i32.const 28)))
        (return (i32.const 0))))
    ;; ABI v1.4: the domain's smart host from the table smart_hosts; the
    ;; value goes 1024 bytes past the domain (a domain is at most 253).
    (local.set $n (call $read (i32.const 3264) (i32.const 6)))
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 1))))
    (local.set $v (call $lookup (i32.const 3328) (i32.const 11) (global.get $BUF) (local.get $n)
      (i32.add (global.get $BUF) (i32.const 1024)) (i32.const 1024)))
    (if (i32.or (i32.lt_s (local.get $v) (i32.const 0)) (i32.gt_s (local.get $v) (i32.const 1024)))
      (then (return (i32.const 1))))
    (drop (call $set (i32.const 640) (i32.const 4) (i32.add (global.get $BUF) (i32.const 1024)) (local.get $v)))
    (i32.const 0))

  ;; Rule 3: a tenant or campaign with a bad reputation goes to quarantine,
  ;; then bulk campaigns, then acme's own pool (or acme-backup when acme's
  ;; complaints through it passed 0.1%, v1.7). A host older than v1.3
  ;; answers NOT_FOUND (-1) for the rates: no quarantine.
  (func (export "select_pool") (result i32)
    (local $n i32)
    (if (i32.or
          (i64.gt_s (call $get_i64 (i32.const 3072) (i32.const 39)) (i64.const 1000))
          (i64.ge_s (call $get_i64 (i32.const 3136) (i32.const 39)) (i64.const 50000)))
      (then
        (drop (call $set (i32.const 704) (i32.const 4) (i32.const 3200) (i32.const 10)))
        (return (i32.const 0))))
    (local.set $n (call $read (i32.const 128) (i32.const 8)))
    (if (i32.and (i32.ge_s (local.get $n) (i32.const 5))
                 (call $eq (global.get $BUF) (i32.const 1920) (i32.const 5)))
      (then
        (drop (call $set (i32.const 704) (i32.const 4) (i32.const 1984) (i32.const 4)))
        (return (i32.const 0))))
    (if (call $input_is (i32.const 64) (i32.const 6) (i32.const 1792) (i32.const 4))
      (then
        ;; ABI v1.7: acme's complaints through its own pool; an older host
        ;; answers NOT_FOUND (-1): acme-pool.
        (if (i64.gt_s (call $get_i64 (i32.const 4224) (i32.const 47)) (i64.const 1000))
          (then
            (drop (call $set (i32.const 704) (i32.const 4) (i32.const 4288) (i32.const 11)))
            (return (i32.const 0))))
        (drop (call $set (i32.const 704) (i32.const 4) (i32.const 2048) (i32.const 9)))
        (return (i32.const 0))))
    (i32.const 1))

  ;; Rule 4: Google-hosted sites (any MX host ending in .google.com).
  (func (export "shape") (result i32)
    (local $count i32) (local $i i32) (local $n i32)
    (local.set $count (call $count (i32.const 192) (i32.const 8)))
    (block $none
      (loop $next
        (br_if $none (i32.ge_s (local.get $i) (local.get $count)))
        (local.set $n (call $read_at (i32.const 192) (i32.const 8) (local.get $i)))
        (if (i32.and (i32.ge_s (local.get $n) (i32.const 11))
                     (call $eq (i32.sub (i32.add (global.get $BUF) (local.get $n)) (i32.const 11))
                               (i32.const 2112) (i32.const 11)))
          (then
            (drop (call $set_i64 (i32.const 768) (i32.const 15) (i64.const 5)))
            (drop (call $set_f64 (i32.const 832) (i32.const 19) (f64.const 2.5)))
            (drop (call $set_i64 (i32.const 896) (i32.const 23) (i64.const 50)))
            (drop (call $set (i32.const 960) (i32.const 3) (i32.const 2176) (i32.const 8)))
            (drop (call $set (i32.const 4096) (i32.const 10) (i32.const 4160) (i32.const 7)))
            (drop (call $set_i64 (i32.const 1024) (i32.const 16) (i64.const 600000)))
            (drop (call $set_i64 (i32.const 2880) (i32.const 21) (i64.const 20)))
            (drop (call $set_f64 (i32.const 2944) (i32.const 12) (f64.const 0.5)))
            (drop (call $set_i64 (i32.const 3008) (i32.const 13) (i64.const 3)))
            (drop (call $set_i64 (i32.const 4352) (i32.const 33) (i64.const 10)))
            (drop (call $set_i64 (i32.const 4416) (i32.const 33) (i64.const 100)))
            (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; Rule 5: four classification rules, in order.
  (func (export "classify") (result i32)
    (local $n i32) (local $code i64)
    ;; 1. [TSS04] anywhere in the text
    (local.set $n (call $read (i32.const 256) (i32.const 4)))
    (if (call $contains (global.get $BUF) (local.get $n) (i32.const 2240) (i32.const 7))
      (then
        (drop (call $set (i32.const 1088) (i32.const 8) (i32.const 2304) (i32.const 11)))
        (drop (call $set (i32.const 1152) (i32.const 6) (i32.const 2368) (i32.const 5)))
        (drop (call $set (i32.const 1216) (i32.const 5) (i32.const 2432) (i32.const 4)))
        (drop (call $set_i64 (i32.const 1280) (i32.const 7) (i64.const 1)))
        (drop (call $set_i64 (i32.const 1344) (i32.const 11) (i64.const 3600000)))
        (return (i32.const 0))))
    (local.set $code (call $get_i64 (i32.const 320) (i32.const 4)))
    (local.set $n (call $read (i32.const 384) (i32.const 8)))
    ;; 2. 421 with 4.7.28
    (if (i32.and (i64.eq (local.get $code) (i64.const 421))
                 (call $bytes_are (local.get $n) (i32.const 2496) (i32.const 6)))
      (then
        (drop (call $set (i32.const 1088) (i32.const 8) (i32.const 2304) (i32.const 11)))
        (drop (call $set (i32.const 1216) (i32.const 5) (i32.const 2432) (i32.const 4)))
        (drop (call $set_f64 (i32.const 1408) (i32.const 11) (f64.const 0.5)))
        (drop (call $set_i64 (i32.const 1344) (i32.const 11) (i64.const 1800000)))
        (drop (call $set_i64 (i32.const 1472) (i32.const 9) (i64.const 5)))
        (drop (call $set_i64 (i32.const 1536) (i32.const 9) (i64.const 60000)))
        (return (i32.const 0))))
    ;; 3. 5.1.1
    (if (call $bytes_are (local.get $n) (i32.const 2560) (i32.const 5))
      (then
        (drop (call $set (i32.const 1088) (i32.const 8) (i32.const 2624) (i32.const 16)))
        (drop (call $set (i32.const 1152) (i32.const 6) (i32.const 2688) (i32.const 6)))
        (drop (call $set (i32.const 3456) (i32.const 8) (i32.const 3584) (i32.const 6)))
        (drop (call $set_i64 (i32.const 3520) (i32.const 15) (i64.const 2592000000)))
        (return (i32.const 0))))
    ;; 4. 5.7.10
    (if (call $bytes_are (local.get $n) (i32.const 2752) (i32.const 6))
      (then
        (drop (call $set (i32.const 1088) (i32.const 8) (i32.const 2816) (i32.const 10)))
        (drop (call $set (i32.const 1152) (i32.const 6) (i32.const 2368) (i32.const 5)))
        (return (i32.const 0))))
    (i32.const 1))

  ;; $read reads the string input at (key, klen) into $BUF and returns its
  ;; length, growing the memory and reading again when it did not fit; a
  ;; negative status, or -6 when the memory cannot grow.
  (func $read (param $key i32) (param $klen i32) (result i32)
    (local $n i32)
    (local.set $n (call $get (local.get $key) (local.get $klen) (global.get $BUF) (call $cap)))
    (if (i32.le_s (local.get $n) (call $cap)) (then (return (local.get $n))))
    (if (i32.eqz (call $grow_for (local.get $n))) (then (return (i32.const -6))))
    (call $get (local.get $key) (local.get $klen) (global.get $BUF) (call $cap)))

  ;; $read_at is $read for item $index of a list input.
  (func $read_at (param $key i32) (param $klen i32) (param $index i32) (result i32)
    (local $n i32)
    (local.set $n (call $get_at (local.get $key) (local.get $klen) (local.get $index) (global.get $BUF) (call $cap)))
    (if (i32.le_s (local.get $n) (call $cap)) (then (return (local.get $n))))
    (if (i32.eqz (call $grow_for (local.get $n))) (then (return (i32.const -6))))
    (call $get_at (local.get $key) (local.get $klen) (local.get $index) (global.get $BUF) (call $cap)))

  ;; $cap is the room from $BUF to the end of memory.
  (func $cap (result i32)
    (i32.sub (i32.shl (memory.size) (i32.const 16)) (global.get $BUF)))

  ;; $grow_for grows the memory so that $n bytes fit at $BUF; 1 on success.
  (func $grow_for (param $n i32) (result i32)
    (local $want i32)
    (local.set $want (i32.add (i32.shr_u (i32.add (local.get $n) (i32.const 65535)) (i32.const 16))
                              (i32.shr_u (global.get $BUF) (i32.const 16))))
    (if (i32.le_u (local.get $want) (memory.size)) (then (return (i32.const 1))))
    (i32.ne (memory.grow (i32.sub (local.get $want) (memory.size))) (i32.const -1)))

  ;; $input_is: the string input (key, klen) is exactly the n bytes at lit.
  (func $input_is (param $key i32) (param $klen i32) (param $lit i32) (param $n i32) (result i32)
    (call $bytes_are (call $read (local.get $key) (local.get $klen)) (local.get $lit) (local.get $n)))

  ;; $bytes_are: the $len bytes just read at $BUF are exactly the n bytes at lit.
  (func $bytes_are (param $len i32) (param $lit i32) (param $n i32) (result i32)
    (if (i32.ne (local.get $len) (local.get $n)) (then (return (i32.const 0))))
    (call $eq (global.get $BUF) (local.get $lit) (local.get $n)))

  ;; $eq compares n bytes at a and b.
  (func $eq (param $a i32) (param $b i32) (param $n i32) (result i32)
    (block $diff
      (loop $next
        (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
        (br_if $diff (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; $eq_ascii_nocase: the alen bytes at a, with A-Z lowered, equal the
  ;; n lowercase bytes at lit.
  (func $eq_ascii_nocase (param $a i32) (param $alen i32) (param $lit i32) (param $n i32) (result i32)
    (local $c i32)
    (if (i32.ne (local.get $alen) (local.get $n)) (then (return (i32.const 0))))
    (block $diff
      (loop $next
        (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
        (local.set $c (i32.load8_u (local.get $a)))
        (if (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26)) ;; 'A'..'Z'
          (then (local.set $c (i32.add (local.get $c) (i32.const 32)))))
        (br_if $diff (i32.ne (local.get $c) (i32.load8_u (local.get $lit))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $lit (i32.add (local.get $lit) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; $contains: the n bytes at lit occur in the len bytes at p (len < 0,
  ;; a failed read, contains nothing).
  (func $contains (param $p i32) (param $len i32) (param $lit i32) (param $n i32) (result i32)
    (local $last i32)
    (local.set $last (i32.add (local.get $p) (i32.sub (local.get $len) (local.get $n))))
    (block $no
      (loop $next
        (br_if $no (i32.gt_s (local.get $p) (local.get $last)))
        (if (call $eq (local.get $p) (local.get $lit) (local.get $n)) (then (return (i32.const 1))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (i32.const 0)))
