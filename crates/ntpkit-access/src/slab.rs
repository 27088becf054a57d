//! Chunked storage for MRU slots.
//!
//! The list grows in fixed chunks (`mru incalloc`/`incmem`, rounded up to a power of two) that
//! are never moved or reallocated, so growing costs one allocation of one chunk and memory never
//! transiently doubles the way a growing `Vec` does when it reallocates. The last chunk is cut
//! to the configured maximum, so the slots never exceed `maxdepth`.

/// Fixed-size chunks of `T`, addressed by a dense `u32` index.
#[derive(Clone, Debug)]
pub(crate) struct Slab<T> {
    chunks: Vec<Box<[T]>>,
    len: u32,
    max: u32,
    shift: u32,
}

impl<T: Copy + Default> Slab<T> {
    /// A slab for at most `max` items, growing by `chunk` items (rounded up to a power of
    /// two, at least 16 so chunk pointers cost under one byte per item) with `initial` items'
    /// worth of chunks allocated now.
    pub(crate) fn new(max: u32, chunk: u32, initial: u32) -> Self {
        let chunk = chunk.clamp(16, 1 << 20).next_power_of_two();
        let chunks_needed = max.div_ceil(chunk) as usize;
        let mut slab = Slab {
            chunks: Vec::with_capacity(chunks_needed),
            len: 0,
            max,
            shift: chunk.trailing_zeros(),
        };
        while slab.allocated() < initial.min(max) && slab.add_chunk().is_some() {}
        slab
    }

    pub(crate) fn len(&self) -> u32 {
        self.len
    }

    fn allocated(&self) -> u32 {
        self.chunks.iter().map(|c| c.len() as u32).sum()
    }

    fn chunk_len(&self) -> u32 {
        1 << self.shift
    }

    fn add_chunk(&mut self) -> Option<()> {
        let start = u32::try_from(self.chunks.len()).ok()? << self.shift;
        let size = self.chunk_len().min(self.max.checked_sub(start)?);
        if size == 0 {
            return None;
        }
        // Placeholder contents are never read: `len` guards every access.
        self.chunks
            .push(vec![T::default(); size as usize].into_boxed_slice());
        Some(())
    }

    /// Appends an item; `None` when the slab is full.
    pub(crate) fn push(&mut self, item: T) -> Option<u32> {
        if self.len >= self.max {
            return None;
        }
        let index = self.len;
        if (index >> self.shift) as usize >= self.chunks.len() {
            self.add_chunk()?;
        }
        let mask = self.chunk_len() - 1;
        let chunk = self.chunks.get_mut((index >> self.shift) as usize)?;
        *chunk.get_mut((index & mask) as usize)? = item;
        self.len += 1;
        Some(index)
    }

    #[inline]
    pub(crate) fn get(&self, index: u32) -> Option<&T> {
        if index >= self.len {
            return None;
        }
        self.chunks
            .get((index >> self.shift) as usize)?
            .get((index & (self.chunk_len() - 1)) as usize)
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, index: u32) -> Option<&mut T> {
        if index >= self.len {
            return None;
        }
        let mask = self.chunk_len() - 1;
        self.chunks
            .get_mut((index >> self.shift) as usize)?
            .get_mut((index & mask) as usize)
    }

    /// Heap bytes held now.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.allocated() as usize * core::mem::size_of::<T>()
            + self.chunks.capacity() * core::mem::size_of::<Box<[T]>>()
    }

    /// Heap bytes when full.
    pub(crate) fn max_heap_bytes(&self) -> usize {
        self.max as usize * core::mem::size_of::<T>()
            + self.chunks.capacity() * core::mem::size_of::<Box<[T]>>()
    }
}
