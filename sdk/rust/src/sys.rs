//! The raw host imports of ABI v1 (hostabi/ABI.md section 2.1) and the
//! status codes they return. Policies normally use the typed inputs and
//! results of the crate root; this module is for keys the typed layer does
//! not cover.

/// A negative answer of a host function (ABI.md section 2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(pub i32);

impl Status {
    /// No value for this key in this call.
    pub const NOT_FOUND: Status = Status(-1);
    /// A range outside memory, an empty key, a negative index...
    pub const BAD_ARGUMENT: Status = Status(-2);
    /// The key exists in ABI v1 but not in this hook.
    pub const NOT_AVAILABLE: Status = Status(-3);
    /// The key's type does not match the function.
    pub const WRONG_TYPE: Status = Status(-4);
    /// A result value outside its documented range or format.
    pub const INVALID_VALUE: Status = Status(-5);
    /// Too many results or result bytes in this call.
    pub const LIMIT: Status = Status(-6);

    /// The status's name as ABI.md spells it.
    pub fn name(self) -> &'static str {
        match self.0 {
            -1 => "NOT_FOUND",
            -2 => "BAD_ARGUMENT",
            -3 => "NOT_AVAILABLE",
            -4 => "WRONG_TYPE",
            -5 => "INVALID_VALUE",
            -6 => "LIMIT",
            _ => "unknown status",
        }
    }
}

#[link(wasm_import_module = "wasmta")]
extern "C" {
    pub fn get(key: *const u8, key_len: usize, buf: *mut u8, cap: usize) -> i32;
    pub fn get_i64(key: *const u8, key_len: usize) -> i64;
    pub fn count(key: *const u8, key_len: usize) -> i32;
    pub fn get_at(key: *const u8, key_len: usize, index: i32, buf: *mut u8, cap: usize) -> i32;
    pub fn set(key: *const u8, key_len: usize, val: *const u8, val_len: usize) -> i32;
    pub fn set_i64(key: *const u8, key_len: usize, value: i64) -> i32;
    pub fn set_f64(key: *const u8, key_len: usize, value: f64) -> i32;
    pub fn log(level: i32, msg: *const u8, msg_len: usize) -> i32;
    /// ABI v1.4: the value of `key` in the data table `table`.
    pub fn lookup(table: *const u8, table_len: usize, key: *const u8, key_len: usize, buf: *mut u8, cap: usize) -> i32;
}
