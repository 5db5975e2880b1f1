//! Typed indices into arenas.
//!
//! Records refer to each other by `Id<T>`, an index that is only meaningful for the arena of `T`
//! it came from. Invariant: an `Id<T>` handed out by an [`Arena<T>`] stays valid for the arena's
//! lifetime (arenas only grow, never remove), so lookups by id never fail inside one `World`.

use serde::{Serialize, Serializer};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

pub struct Id<T> {
    index: u32,
    _marker: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    pub fn index(self) -> usize {
        self.index as usize
    }

    /// Rebuilds an id from an index obtained from the same arena (e.g. a dense array position).
    pub fn from_index(index: usize) -> Self {
        Self {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            _marker: PhantomData,
        }
    }
}

// Manual impls: derives would demand `T: Clone` etc., which the marker does not need.
impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Id<T> {}
impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}
impl<T> Eq for Id<T> {}
impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.index.cmp(&other.index)
    }
}
impl<T> Hash for Id<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.index.hash(state);
    }
}
impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.index)
    }
}
impl<T> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.index)
    }
}

/// A grow-only store of records, each reachable by a typed [`Id`] and by its string key.
#[derive(Debug, Clone)]
pub struct Arena<T> {
    items: Vec<T>,
    keys: std::collections::HashMap<String, Id<T>>,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            keys: std::collections::HashMap::new(),
        }
    }
}

/// The key was already taken in this arena.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("duplicate id `{0}`")]
pub struct DuplicateKey(pub String);

impl<T> Arena<T> {
    pub fn insert(&mut self, key: &str, item: T) -> Result<Id<T>, DuplicateKey> {
        if self.keys.contains_key(key) {
            return Err(DuplicateKey(key.to_string()));
        }
        let id = Id::from_index(self.items.len());
        self.items.push(item);
        self.keys.insert(key.to_string(), id);
        Ok(id)
    }

    pub fn get(&self, id: Id<T>) -> &T {
        &self.items[id.index()]
    }

    pub fn get_mut(&mut self, id: Id<T>) -> &mut T {
        &mut self.items[id.index()]
    }

    pub fn lookup(&self, key: &str) -> Option<Id<T>> {
        self.keys.get(key).copied()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Id<T>, &T)> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, t)| (Id::from_index(i), t))
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }
}
