// list_page<T>: described, decoded and encoded for every listable model.

#include "types/descriptions.hpp"

namespace paced {

template <class T>
list_page<T> decode(detail::type_tag<list_page<T>>, boost::json::value const& jv) {
    return detail::decode_root<list_page<T>>(jv, "list");
}

template <class T>
boost::json::value to_json(list_page<T> const& x) {
    return detail::write(x, detail::json_mode::response);
}

template <class T>
list_page<T> tag_invoke(boost::json::value_to_tag<list_page<T>> const&, boost::json::value const& jv) {
    return decode(detail::type_tag<list_page<T>>{}, jv);
}

template <class T>
void tag_invoke(boost::json::value_from_tag const&, boost::json::value& jv, list_page<T> const& x) {
    jv = to_json(x);
}

// BOOST_DESCRIBE_STRUCT describes classes, not class templates: each page type is described on its own.
#define PACED_INSTANTIATE_LIST(T)                                                                            \
    BOOST_DESCRIBE_STRUCT(list_page<T>, (), (data, first_id, last_id, has_more, extra))                      \
    template list_page<T> decode(detail::type_tag<list_page<T>>, boost::json::value const&);                 \
    template boost::json::value to_json(list_page<T> const&);                                                \
    template list_page<T> tag_invoke(boost::json::value_to_tag<list_page<T>> const&,                         \
                                     boost::json::value const&);                                             \
    template void tag_invoke(boost::json::value_from_tag const&, boost::json::value&, list_page<T> const&);

PACED_INSTANTIATE_LIST(file)
PACED_INSTANTIATE_LIST(assistant)
PACED_INSTANTIATE_LIST(message)
PACED_INSTANTIATE_LIST(run)
PACED_INSTANTIATE_LIST(run_step)
PACED_INSTANTIATE_LIST(vector_store)
PACED_INSTANTIATE_LIST(vector_store_file)
PACED_INSTANTIATE_LIST(input_item)
PACED_INSTANTIATE_LIST(batch)
PACED_INSTANTIATE_LIST(conversation_item)

} // namespace paced
