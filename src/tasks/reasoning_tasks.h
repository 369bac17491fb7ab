#pragma once
// Data behind the synthetic reasoning tasks that tests need to recompute answers independently.
#include <string>
#include <vector>

namespace hone::tasks {

struct CountableObject {
  std::string singular, plural, category;  // category as asked: "fruits", "musical instruments", ...
};
const std::vector<CountableObject>& countable_objects();

}  // namespace hone::tasks
