;; echo.wat: every hook logs each of its inputs as one line ("key=value",
;; "key!STATUS" when get fails, "key.I=value" for list items, "key#=N" for
;; list counts), then sets a fixed table of results and returns 0.
;; hostabi's tests compare the log lines with the inputs they passed and
;; the decoded results with the table below.
;;
;; Tables: an input table is a run of entries TYPE KEY NUL, ended by NUL,
;; TYPE being s (string), i (int) or l (list). A result table is a run of
;; TYPE KEY NUL VALUE NUL, TYPE being s (set), i (set_i64, decimal) or
;; f (set_f64, "int.frac").
(module
  (import "wasmta" "get"     (func $get (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "get_i64" (func $get_i64 (param i32 i32) (result i64)))
  (import "wasmta" "count"   (func $count (param i32 i32) (result i32)))
  (import "wasmta" "get_at"  (func $get_at (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set"     (func $set (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set_i64" (func $set_i64 (param i32 i32 i64) (result i32)))
  (import "wasmta" "set_f64" (func $set_f64 (param i32 i32 f64) (result i32)))
  (import "wasmta" "log"     (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  ;; buffers
  (global $VAL i32 (i32.const 0x4000))   ;; value buffer, 0x5000 bytes
  (global $VALCAP i32 (i32.const 0x5000))
  (global $LINE i32 (i32.const 0xA000))  ;; log line: key, separator, value

  ;; on_mail_from: inputs at 0x1000, results at 0x1200
  (data (i32.const 0x1000) "shook\00speer.addr\00speer.ip\00speer.helo\00speer.auth_user\00ipeer.tls\00stenant\00ssender\00srecipient\00scampaign\00\00")
  (data (i32.const 0x1200) "ireject.code\00550\00sreject.enhanced\005.7.1\00sreject.text\00go away\00stenant\00t-echo\00scampaign\00c-echo\00smeta.k1\00v1\00smeta.k2\00v2\00\00")
  ;; on_rcpt: 0x1400 / 0x1600
  (data (i32.const 0x1400) "shook\00speer.addr\00speer.ip\00speer.helo\00speer.auth_user\00ipeer.tls\00stenant\00scampaign\00ssender\00srecipient\00\00")
  (data (i32.const 0x1600) "ireject.code\00451\00sreject.enhanced\004.7.1\00sreject.text\00try later\00\00")
  ;; on_message: 0x1800 / 0x1A00
  (data (i32.const 0x1800) "shook\00speer.addr\00speer.ip\00speer.helo\00speer.auth_user\00ipeer.tls\00stenant\00scampaign\00ssender\00lrecipients\00isize\00sheader\00sheader.subject\00sheader.x-missing\00lmeta\00smeta.k1\00smeta.nope\00itenant\00\00")
  (data (i32.const 0x1A00) "ireject.code\00554\00sreject.enhanced\005.6.0\00sreject.text\00bad\00stenant\00t-msg\00scampaign\00c-msg\00smeta.x\00y\00sheader.X-Echo\001\00sheader.X-Echo\002\00sheader.X-Other\00three\00sdkim\00example.org:s1\00\00")
  ;; route: 0x1C00 / 0x1E00
  (data (i32.const 0x1C00) "shook\00stenant\00scampaign\00sdomain\00snonexistent\00ssite\00\00")
  (data (i32.const 0x1E00) "shost\00a.example:25\00shost\00[2001:db8::1]:587\00shost\00192.0.2.1\00\00")
  ;; select_pool: 0x2000 / 0x2200
  (data (i32.const 0x2000) "shook\00stenant\00scampaign\00sdomain\00ssite\00lmeta\00smeta.k1\00\00")
  (data (i32.const 0x2200) "spool\00pool-echo\00\00")
  ;; shape: 0x2C00 / 0x2E00 (after classify: its results outgrew 0x200 bytes in ABI v1.9)
  (data (i32.const 0x2C00) "shook\00ssource\00spool\00ssite\00sdomain\00lmx_hosts\00sprovider\00\00")
  (data (i32.const 0x2E00) "imax_connections\0010\00fmessages_per_second\002.5\00imessage_burst\005\00fconnections_per_second\000.25\00imessages_per_connection\00100\00iidle_timeout_ms\005000\00stls\00required_verify\00iretry_initial_ms\0060000\00iretry_max_ms\003600000\00imax_age_ms\00259200000\00iconnect_timeout_ms\0030000\00icommand_timeout_ms\00300000\00idata_timeout_ms\00600000\00iadapt_min_connections\002\00iadapt_max_connections\0040\00fadapt_min_rate\000.5\00fadapt_max_rate\0090.0\00iadapt_connection_step\002\00fadapt_rate_step\001.5\00fadapt_factor\000.6\00iadapt_quiet_ms\0010000\00iadapt_signals\005\00iadapt_min_messages_per_connection\0020\00iadapt_max_messages_per_connection\00300\00\00")
  ;; classify: 0x2800 / 0x2A00
  (data (i32.const 0x2800) "shook\00stenant\00ssite\00sdomain\00ssource\00sstage\00icode\00senhanced\00stext\00lcode\00\00")
  (data (i32.const 0x2A00) "scategory\00RateLimited\00saction\00retry\00sscope\00site\00isuspend\001\00frate_factor\000.5\00imax_connections\002\00iduration_ms\0060000\00ithreshold\003\00iwindow_ms\0030000\00\00")

  (func (export "wasmta_abi_v1"))

  (func (export "on_mail_from") (result i32) (call $run (i32.const 0x1000)))
  (func (export "on_rcpt") (result i32) (call $run (i32.const 0x1400)))
  (func (export "on_message") (result i32) (call $run (i32.const 0x1800)))
  (func (export "route") (result i32) (call $run (i32.const 0x1C00)))
  (func (export "select_pool") (result i32) (call $run (i32.const 0x2000)))
  (func (export "shape") (result i32) (call $run (i32.const 0x2C00)))
  (func (export "classify") (result i32) (call $run (i32.const 0x2800)))

  ;; $run echoes the inputs at $t and applies the results at $t + 0x200.
  (func $run (param $t i32) (result i32)
    (call $echo_keys (local.get $t))
    (call $apply (i32.add (local.get $t) (i32.const 0x200)))
    (i32.const 0))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $echo_keys (param $p i32)
    (local $t i32) (local $k i32) (local $kl i32)
    (block $done
      (loop $next
        (local.set $t (i32.load8_u (local.get $p)))
        (br_if $done (i32.eqz (local.get $t)))
        (local.set $k (i32.add (local.get $p) (i32.const 1)))
        (local.set $kl (call $strlen (local.get $k)))
        (local.set $p (i32.add (local.get $k) (i32.add (local.get $kl) (i32.const 1))))
        (if (i32.eq (local.get $t) (i32.const 0x73)) ;; s
          (then (call $echo_str (local.get $k) (local.get $kl))))
        (if (i32.eq (local.get $t) (i32.const 0x69)) ;; i
          (then (call $echo_int (local.get $k) (local.get $kl))))
        (if (i32.eq (local.get $t) (i32.const 0x6c)) ;; l
          (then (call $echo_list (local.get $k) (local.get $kl))))
        (br $next))))

  ;; $line_key copies the key to LINE followed by $sep; returns the end.
  (func $line_key (param $k i32) (param $kl i32) (param $sep i32) (result i32)
    (memory.copy (global.get $LINE) (local.get $k) (local.get $kl))
    (i32.store8 (i32.add (global.get $LINE) (local.get $kl)) (local.get $sep))
    (i32.add (global.get $LINE) (i32.add (local.get $kl) (i32.const 1))))

  (func $emit (param $end i32)
    (drop (call $log (i32.const 1) (global.get $LINE) (i32.sub (local.get $end) (global.get $LINE)))))

  (func $echo_str (param $k i32) (param $kl i32)
    (local $n i32) (local $end i32)
    (local.set $n (call $get (local.get $k) (local.get $kl) (global.get $VAL) (global.get $VALCAP)))
    (if (i32.lt_s (local.get $n) (i32.const 0))
      (then
        (local.set $end (call $line_key (local.get $k) (local.get $kl) (i32.const 0x21))) ;; !
        (call $emit (i32.add (local.get $end) (call $itoa (i64.extend_i32_s (local.get $n)) (local.get $end))))
        (return)))
    (if (i32.gt_u (local.get $n) (global.get $VALCAP)) (then (local.set $n (global.get $VALCAP))))
    (local.set $end (call $line_key (local.get $k) (local.get $kl) (i32.const 0x3d))) ;; =
    (memory.copy (local.get $end) (global.get $VAL) (local.get $n))
    (call $emit (i32.add (local.get $end) (local.get $n))))

  (func $echo_int (param $k i32) (param $kl i32)
    (local $end i32)
    (local.set $end (call $line_key (local.get $k) (local.get $kl) (i32.const 0x3d)))
    (call $emit (i32.add (local.get $end)
      (call $itoa (call $get_i64 (local.get $k) (local.get $kl)) (local.get $end)))))

  (func $echo_list (param $k i32) (param $kl i32)
    (local $n i32) (local $i i32) (local $end i32) (local $m i32)
    (local.set $n (call $count (local.get $k) (local.get $kl)))
    ;; key#=N
    (local.set $end (call $line_key (local.get $k) (local.get $kl) (i32.const 0x23)))
    (i32.store8 (local.get $end) (i32.const 0x3d))
    (local.set $end (i32.add (local.get $end) (i32.const 1)))
    (call $emit (i32.add (local.get $end) (call $itoa (i64.extend_i32_s (local.get $n)) (local.get $end))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $m (call $get_at (local.get $k) (local.get $kl) (local.get $i) (global.get $VAL) (global.get $VALCAP)))
        (if (i32.gt_u (local.get $m) (global.get $VALCAP)) (then (local.set $m (global.get $VALCAP))))
        ;; key.I=value
        (local.set $end (call $line_key (local.get $k) (local.get $kl) (i32.const 0x2e)))
        (local.set $end (i32.add (local.get $end) (call $itoa (i64.extend_i32_s (local.get $i)) (local.get $end))))
        (i32.store8 (local.get $end) (i32.const 0x3d))
        (local.set $end (i32.add (local.get $end) (i32.const 1)))
        (memory.copy (local.get $end) (global.get $VAL) (local.get $m))
        (call $emit (i32.add (local.get $end) (local.get $m)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; $itoa writes v in decimal at $dst and returns the length.
  (func $itoa (param $v i64) (param $dst i32) (result i32)
    (local $neg i32) (local $n i32) (local $tmp i32) (local $i i32)
    (local.set $tmp (i32.const 0x0F00)) ;; scratch for reversed digits
    (if (i64.lt_s (local.get $v) (i64.const 0))
      (then (local.set $neg (i32.const 1)) (local.set $v (i64.sub (i64.const 0) (local.get $v)))))
    (loop $digit
      (i32.store8 (i32.add (local.get $tmp) (local.get $n))
        (i32.add (i32.const 0x30) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (if (local.get $neg)
      (then (i32.store8 (local.get $dst) (i32.const 0x2d))
            (local.set $dst (i32.add (local.get $dst) (i32.const 1)))))
    (loop $copy
      (i32.store8 (i32.add (local.get $dst) (local.get $i))
        (i32.load8_u (i32.add (local.get $tmp) (i32.sub (i32.sub (local.get $n) (local.get $i)) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $copy (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $n) (local.get $neg)))

  ;; $atoi parses the decimal digits of the NUL-terminated string at $p.
  (func $atoi (param $p i32) (result i64)
    (local $v i64) (local $c i32)
    (block $done
      (loop $next
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done (i32.or (i32.lt_u (local.get $c) (i32.const 0x30)) (i32.gt_u (local.get $c) (i32.const 0x39))))
        (local.set $v (i64.add (i64.mul (local.get $v) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 0x30)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (local.get $v))

  ;; $atof parses "INT.FRAC".
  (func $atof (param $p i32) (result f64)
    (local $int f64) (local $frac f64) (local $scale f64) (local $dot i32)
    (local.set $int (f64.convert_i64_u (call $atoi (local.get $p))))
    (local.set $dot (local.get $p))
    (block $found
      (loop $next
        (br_if $found (i32.eq (i32.load8_u (local.get $dot)) (i32.const 0x2e)))
        (if (i32.eqz (i32.load8_u (local.get $dot))) (then (return (local.get $int))))
        (local.set $dot (i32.add (local.get $dot) (i32.const 1)))
        (br $next)))
    (local.set $dot (i32.add (local.get $dot) (i32.const 1)))
    (local.set $frac (f64.convert_i64_u (call $atoi (local.get $dot))))
    (local.set $scale (f64.const 1))
    (block $end
      (loop $next
        (br_if $end (i32.eqz (i32.load8_u (local.get $dot))))
        (local.set $scale (f64.mul (local.get $scale) (f64.const 10)))
        (local.set $dot (i32.add (local.get $dot) (i32.const 1)))
        (br $next)))
    (f64.add (local.get $int) (f64.div (local.get $frac) (local.get $scale))))

  (func $apply (param $p i32)
    (local $t i32) (local $k i32) (local $kl i32) (local $v i32) (local $vl i32)
    (block $done
      (loop $next
        (local.set $t (i32.load8_u (local.get $p)))
        (br_if $done (i32.eqz (local.get $t)))
        (local.set $k (i32.add (local.get $p) (i32.const 1)))
        (local.set $kl (call $strlen (local.get $k)))
        (local.set $v (i32.add (local.get $k) (i32.add (local.get $kl) (i32.const 1))))
        (local.set $vl (call $strlen (local.get $v)))
        (local.set $p (i32.add (local.get $v) (i32.add (local.get $vl) (i32.const 1))))
        (if (i32.eq (local.get $t) (i32.const 0x73))
          (then (drop (call $set (local.get $k) (local.get $kl) (local.get $v) (local.get $vl)))))
        (if (i32.eq (local.get $t) (i32.const 0x69))
          (then (drop (call $set_i64 (local.get $k) (local.get $kl) (call $atoi (local.get $v))))))
        (if (i32.eq (local.get $t) (i32.const 0x66))
          (then (drop (call $set_f64 (local.get $k) (local.get $kl) (call $atof (local.get $v))))))
        (br $next))))
)
