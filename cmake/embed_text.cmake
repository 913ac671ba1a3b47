# Writes OUTPUT, a C++ source that defines `std::string_view const NAMESPACE::SYMBOL` holding the text of
# INPUT, so that a file kept in its own language (the Redis budget's Lua script) is compiled into the
# library. Run at build time: cmake -DINPUT=... -DOUTPUT=... -DNAMESPACE=... -DSYMBOL=... -P embed_text.cmake
file(READ "${INPUT}" text)
if(text MATCHES "\\)paced_embed\"")
    message(FATAL_ERROR "${INPUT} contains the raw string delimiter )paced_embed\"")
endif()
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp"
    "// Generated from ${name} by cmake/embed_text.cmake: edit that file, not this one.\n"
    "#include <string_view>\n"
    "namespace ${NAMESPACE} {\n"
    "extern std::string_view const ${SYMBOL};\n"
    "std::string_view const ${SYMBOL} = R\"paced_embed(${text})paced_embed\";\n"
    "} // namespace ${NAMESPACE}\n")
# Only a changed text touches the output, so that an unchanged script recompiles nothing.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
