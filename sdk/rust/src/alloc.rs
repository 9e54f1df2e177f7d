//! The module's memory allocator. The host stops runaway guests with a
//! check at every loop iteration, and the standard allocator walks its
//! bins in loops; this one has none on its paths: power-of-two size
//! classes, a free list per class, fresh blocks carved from memory grown
//! 64 KiB at a time. Freed blocks are reused for their class, never
//! merged: a policy allocates the same few sizes call after call, so the
//! memory of an instance stays flat.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// Classes 8 bytes (2^3) to 2 GiB (2^31).
const MIN_SHIFT: u32 = 3;
const CLASSES: usize = 29;
const PAGE: usize = 65536;

struct State {
    free: [*mut u8; CLASSES], // heads of the free lists; the next pointer is a block's first word
    next: usize,              // start of unused memory in the current chunk
    end: usize,               // end of the current chunk
}

pub struct Allocator(UnsafeCell<State>);

// wasm32 here has no threads, and the host runs one call at a time per
// instance.
unsafe impl Sync for Allocator {}

impl Allocator {
    pub const fn new() -> Allocator {
        Allocator(UnsafeCell::new(State { free: [null_mut(); CLASSES], next: 0, end: 0 }))
    }
}

/// The class of a request: blocks of 2^(class + MIN_SHIFT) bytes, large
/// enough for the size and aligned to the alignment.
#[inline]
fn class_of(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    let shift = usize::BITS - (size - 1).leading_zeros();
    (shift - MIN_SHIFT) as usize
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let s = &mut *self.0.get();
        let class = class_of(&layout);
        if class >= CLASSES {
            return null_mut();
        }
        let head = s.free[class];
        if !head.is_null() {
            s.free[class] = *(head as *mut *mut u8);
            return head;
        }
        let size = 1usize << (class as u32 + MIN_SHIFT);
        // Blocks are aligned to their size: round the bump pointer up.
        let start = (s.next + size - 1) & !(size - 1);
        if start + size > s.end || s.end == 0 {
            let pages = (size + PAGE - 1) / PAGE + 1;
            let old = core::arch::wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return null_mut();
            }
            s.next = old * PAGE;
            s.end = s.next + pages * PAGE;
            let start = (s.next + size - 1) & !(size - 1);
            s.next = start + size;
            return start as *mut u8;
        }
        s.next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let s = &mut *self.0.get();
        let class = class_of(&layout);
        *(ptr as *mut *mut u8) = s.free[class];
        s.free[class] = ptr;
    }
}
