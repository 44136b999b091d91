#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "dynae/errors.h"
#include "dynae/runtime.h"

namespace dynae {

std::string examples_dir(const std::string& given) {
  std::vector<std::string> candidates;
  if (!given.empty()) candidates.push_back(given);
  if (const char* env = std::getenv("DYNAE_EXAMPLES_DIR"); env && *env) candidates.push_back(env);
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string dir(self);
    dir = dir.substr(0, dir.find_last_of('/'));
    candidates.push_back(dir + "/../share/dynae/examples");
    candidates.push_back(dir + "/share/dynae/examples");
    candidates.push_back(dir + "/../examples");
  }
  std::string tried;
  for (const auto& c : candidates) {
    struct stat st;
    if (::stat((c + "/data").c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return c;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  throw DataError("cannot find the bundled examples (a folder holding data/); looked in " + tried +
                  "; give the repository's examples/ folder (--data-dir for its data/, or $DYNAE_EXAMPLES_DIR)");
}

}  // namespace dynae
