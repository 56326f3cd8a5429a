from .selectors import deployment_regency


def regency(request):
    """REGENCY in every template: the deployment's regency name, never a name written into a template."""
    return {"REGENCY": deployment_regency()}
