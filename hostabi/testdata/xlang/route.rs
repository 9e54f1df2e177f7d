// route.rs: the minimal route hook in no_std Rust for wasm32-unknown-unknown,
// against ABI v1 directly. Built by the Makefile with Debian rustc.
#![no_std]
#[panic_handler] fn panic(_: &core::panic::PanicInfo) -> ! { core::arch::wasm32::unreachable() }
#[link(wasm_import_module = "wasmta")]
extern "C" { fn get(k: *const u8, kl: u32, b: *mut u8, bc: u32) -> i32; fn set(k: *const u8, kl: u32, v: *const u8, vl: u32) -> i32; }
#[no_mangle] pub extern "C" fn wasmta_abi_v1() {}
static mut BUF: [u8; 256] = [0; 256];
#[no_mangle] pub extern "C" fn route() -> i32 { unsafe {
  let b = core::ptr::addr_of_mut!(BUF) as *mut u8;
  let n = get(b"domain".as_ptr(), 6, b, 256); if n < 0 || n > 253 { return 1; }
  set(b"mx_domain".as_ptr(), 9, b, n as u32); 0 } }
