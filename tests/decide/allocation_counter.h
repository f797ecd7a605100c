// Counts the heap allocations (operator new) a test's code makes: the global operator new of
// the test binary is replaced (allocation_counter.cc) to count while a counter is alive.
#pragma once

#include <cstddef>

namespace panorama::testing {

class AllocationCounter {
 public:
  AllocationCounter();  // starts counting from zero
  ~AllocationCounter();
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;
  size_t allocations() const;  // operator new calls since construction
};

}  // namespace panorama::testing
