# Warnings and language settings for the project's own targets (not for consumers).
function(paced_target_settings tgt)
    target_compile_features(${tgt} PUBLIC cxx_std_20)
    set_target_properties(${tgt} PROPERTIES CXX_EXTENSIONS OFF)
    # Designated initialisers that leave members at their defaults are the API's idiom; g++ 12 would
    # warn on each under -Wextra.
    target_compile_options(${tgt} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()
