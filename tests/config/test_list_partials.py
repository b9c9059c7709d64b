"""The shared partials of every list (templates/lists/): links keep the filters of the address."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def _render(template: str, url: str, **context) -> str:
    request = RequestFactory().get(url)
    return render_to_string(template, {"request": request, **context}, request=request)


def test_a_sort_header_sorts_ascending_first_then_descending_and_drops_the_page():
    # given / when
    unsorted = _render("lists/_sort_header.html", "/l/?status=active&page=3", key="name", label="Name", sort="owner")
    ascending = _render("lists/_sort_header.html", "/l/?status=active&sort=name", key="name", label="Name", sort="name")
    descending = _render("lists/_sort_header.html", "/l/?sort=-name", key="name", label="Name", sort="-name")
    # then
    assert unsorted.strip() == '<a class="ad-sort text-decoration-none" href="?status=active&amp;sort=name">Name</a>'
    assert ascending.strip() == (
        '<a class="ad-sort text-decoration-none" href="?status=active&amp;sort=-name" aria-sort="ascending">Name ↑</a>'
    )
    assert descending.strip() == (
        '<a class="ad-sort text-decoration-none" href="?sort=name" aria-sort="descending">Name ↓</a>'
    )


def test_pagination_links_keep_the_filters_and_count_the_results():
    # given
    page = Paginator(list(range(60)), 25).get_page(2)
    # when
    html = _render("lists/_pagination.html", "/l/?status=active&page=2", page=page)
    # then
    assert 'data-testid="result-count">60 results<' in html
    assert html.count('href="?status=active&amp;page=1"') == 1
    assert html.count('href="?status=active&amp;page=3"') == 1
    assert "Page 2 of 3" in html


def test_numbered_pagination_marks_the_current_page_and_targets_the_given_results():
    page = Paginator(list(range(60)), 25).get_page(3)
    html = _render("lists/_pagination.html", "/l/?page=3", page=page, page_range=[1, 2, 3], target="#client-results")
    assert '<li class="page-item active" aria-current="page"><span class="page-link">3</span></li>' in html
    assert html.count('hx-target="#client-results"') == 3  # previous, 1, 2
    assert '<span class="page-link" aria-hidden="true">&raquo;</span>' in html


def test_an_empty_list_has_no_pagination():
    assert _render("lists/_pagination.html", "/l/", page=Paginator([], 25).get_page(1)).strip() == ""
