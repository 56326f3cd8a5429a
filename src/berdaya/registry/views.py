def person_list(request):
    pass


def person_detail(request, pk):
    pass
