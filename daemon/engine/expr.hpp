#pragma once
/// The `when:` expression language of docs/rules.md: a recursive-descent parser producing an
/// unresolved tree (list names as written); the loader resolves names and builds atoms.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/ruleset.hpp"

namespace sanctwatch::engine {

/// A syntax error at a byte offset inside the expression string.
struct expr_error {
  std::uint32_t offset = 0;
  std::string message;
};

struct parsed_expr {
  std::unique_ptr<expr> root;  ///< null on error
  expr_error error;
};

/// Looks up a `$name` macro: its resolved tree, or null with the reason in *why.
using macro_lookup = std::function<const expr*(const std::string& name, std::string* why)>;

/// Parses an expression. Precedence: not > and > or; `A in FIELD` binds to its primary.
/// `$name` is replaced by a copy of the macro's tree from `macros` (an error without it).
parsed_expr parse_expr(std::string_view text, const macro_lookup* macros = nullptr);

/// A deep copy of a tree.
std::unique_ptr<expr> clone_expr(const expr& e);

/// True when a node yields hit positions (a list, phrase, regex, entity(), or an `or`/`in` of
/// those), as near() and count() need.
bool yields_hits(const expr& e);

/// Field name -> field; false when unknown.
bool parse_field(std::string_view name, field& out);

}  // namespace sanctwatch::engine
