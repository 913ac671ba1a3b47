# Warnings and language settings for the project's own targets (not for consumers).
function(paced_target_settings tgt)
    target_compile_features(${tgt} PUBLIC cxx_std_20)
    set_target_properties(${tgt} PROPERTIES CXX_EXTENSIONS OFF)
    # Designated initialisers that leave members at their defaults are the API's idiom; g++ 12 would
    # warn on each under -Wextra.
    target_compile_options(${tgt} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # g++ 12 false positives once optimising (worse with sanitizers): coroutine frames freed by Asio's
        # recycling allocator look like mismatched new/delete, and inlined std::string copies and appends
        # trip stringop-overflow, array-bounds and restrict (GCC bugs 105329, 105651).
        target_compile_options(${tgt} PRIVATE -Wno-mismatched-new-delete -Wno-stringop-overflow
                                              -Wno-array-bounds -Wno-restrict)
    endif()
endfunction()

# Tests and examples: their speed does not matter, their build time does (CI builds everything three
# times). -O1 instead of -O2 roughly halves the time g++ spends on Catch2's expanded assertions and on
# coroutine-heavy test code, and still catches the warnings that need an optimiser. Under sanitizers the
# test code is built at -O0 (the library and the tools keep -O1): instrumented Beast servers and Catch2
# main cost g++ about 40% less time there, and the code under test is the library's.
function(paced_test_code_settings tgt)
    target_compile_options(${tgt} PRIVATE $<$<CONFIG:RelWithDebInfo,Release,MinSizeRel>:-O1>)
    if(PACED_SANITIZE)
        target_compile_options(${tgt} PRIVATE -O0)
    endif()
endfunction()
