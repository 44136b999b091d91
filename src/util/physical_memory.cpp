// physical_memory_bytes (dynae/runtime.h): Torch-free, so the simulators in
// dynae_base can use it.
#include <unistd.h>

#include "dynae/runtime.h"

namespace dynae {

double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

}  // namespace dynae
