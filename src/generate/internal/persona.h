// Tastes of the customer personas, shared by the population (favourite categories) and the
// spending simulator (the daily purchase mix). Defined in tables.cc. Internal to src/generate.
#pragma once

#include "generate/internal/world.h"

namespace panorama::generate {

// Relative purchase weight of `category` for `persona`: the category's base share times the
// persona's taste multiplier. 0 for bill categories (utilities, telecom).
double PersonaCategoryWeight(Persona persona, int category);

// Multiplies the categories' online shares for a persona (the retired buy less online).
double PersonaOnlineFactor(Persona persona);

}  // namespace panorama::generate
