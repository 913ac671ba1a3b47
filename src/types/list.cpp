// list_page<T>: one decoder and encoder, instantiated for every listable model.

#include "types/descriptions.hpp"

namespace paced {
namespace {

template <class T>
void read_page(boost::json::value const& v, list_page<T>& out, detail::json_path& p) {
    detail::object_reader r(v, p);
    r.skip("object");
    r.req("data", out.data);
    r.opt("first_id", out.first_id);
    r.opt("last_id", out.last_id);
    r.opt("has_more", out.has_more);
    r.rest(out.extra);
}

} // namespace

template <class T>
list_page<T> decode(detail::type_tag<list_page<T>>, boost::json::value const& jv) {
    detail::json_path p("list");
    list_page<T> out;
    read_page(jv, out, p);
    return out;
}

template <class T>
list_page<T> tag_invoke(boost::json::value_to_tag<list_page<T>> const&, boost::json::value const& jv) {
    return decode(detail::type_tag<list_page<T>>{}, jv);
}

template <class T>
void tag_invoke(boost::json::value_from_tag const&, boost::json::value& jv, list_page<T> const& x) {
    jv = to_json(x);
}

template <class T>
boost::json::value to_json(list_page<T> const& x) {
    boost::json::object o;
    o["object"] = "list";
    detail::put(o, "data", x.data);
    detail::put(o, "first_id", x.first_id);
    detail::put(o, "last_id", x.last_id);
    detail::put(o, "has_more", x.has_more);
    detail::merge_extra(o, x.extra);
    return o;
}

#define PACED_INSTANTIATE_LIST(T)                                                                            \
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

} // namespace paced
