"""利用者管理: the HQ's and administrators' pages for user accounts and the personnel list.
Every write goes through accounts/services.py (personnel.py for the list)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import access, personnel, services
from accounts.filters import UserFilter
from accounts.forms import (
    PersonnelUploadForm,
    UserActiveForm,
    UserChangeForm,
    UserCreateForm,
    UserMoveForm,
)
from accounts.models import User
from accounts.roles import Role, with_roles
from accounts.selectors import account_history
from departments.models import Organization
from flatfiles import uploads

PAGE_SIZE = 50
UPLOAD_EXPIRED = "確認した内容の有効期限が切れました。もう一度ファイルを選んでください。"


def _users():
    organizations = Organization.objects.order_by("sort_order", "label")
    return with_roles(User.objects.all()).prefetch_related(
        Prefetch("organizations", queryset=organizations)
    )


def user_list(request):
    access.check_may_manage_users(request.user)
    filterset = UserFilter(request.GET, queryset=_users().order_by("employee_number", "username"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {"filter": filterset, "page": page, "roles": dict(Role.choices)},
    )


def _refused(form, error):
    form.add_error(None, error.message if hasattr(error, "message") else str(error))


def user_add(request):
    access.check_may_manage_users(request.user)
    may_grant_admin = access.may_grant_admin(request.user)
    form = UserCreateForm(request.POST or None, may_grant_admin=may_grant_admin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                by=request.user,
                username=data["username"],
                employee_number=data["employee_number"],
                last_name=data["last_name"],
                first_name=data["first_name"],
                email=data["email"],
                organizations=data["organizations"],
                role=data["role"],
                password=data["password1"] or None,
            )
        except services.AccountError as error:
            _refused(form, error)
        else:
            messages.success(request, f"利用者「{_name(user)}」を追加しました。")
            return redirect("accounts:list")
    return render(request, "accounts/user_form.html", {"form": form, "title": "利用者の追加"})


def _name(user):
    return f"{user.last_name} {user.first_name}".strip() or user.username


def user_change(request, pk):
    target = access.get_user_for_change(request.user, pk)
    form = UserChangeForm(
        request.POST or None,
        user=target,
        may_grant_admin=access.may_grant_admin(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                by=request.user,
                user=target,
                employee_number=data["employee_number"],
                last_name=data["last_name"],
                first_name=data["first_name"],
                email=data["email"],
                role=data["role"],
                seen=data["seen"],
            )
        except services.AccountError as error:
            _refused(form, error)
        else:
            messages.success(request, f"利用者「{_name(target)}」を変更しました。")
            return redirect("accounts:list")
    history = account_history(target)
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "target": target, "title": "利用者の変更", "history": history},
    )


def user_move(request, pk):
    target = access.get_user_for_change(request.user, pk)
    form = UserMoveForm(request.POST or None, user=target)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_user(
                by=request.user,
                user=target,
                organizations=form.cleaned_data["organizations"],
                transferred_on=form.cleaned_data["transferred_on"],
                seen=form.cleaned_data["seen"],
            )
        except services.AccountError as error:
            _refused(form, error)
        else:
            labels = "、".join(o.label for o in form.cleaned_data["organizations"]) or "所属なし"
            messages.success(request, f"利用者「{_name(target)}」の所属を {labels} にしました。")
            return redirect("accounts:list")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "target": target, "title": "利用者の異動"},
    )


def user_active(request, pk):
    """One form for both ways: deactivate an active user, activate an inactive one."""
    target = access.get_user_for_change(request.user, pk)
    form = UserActiveForm(request.POST or None, user=target)
    if request.method == "POST" and form.is_valid():
        change = services.activate_user if not target.is_active else services.deactivate_user
        try:
            change(by=request.user, user=target, seen=form.cleaned_data["seen"])
        except services.AccountError as refused:
            _refused(form, refused)
        else:
            done = "無効にしました" if target.is_active else "有効にしました"
            messages.success(request, f"利用者「{_name(target)}」を{done}。")
            return redirect("accounts:list")
    return render(
        request,
        "accounts/user_active.html",
        {"target": target, "form": form},
        status=400 if form.errors else 200,
    )


def personnel_upload(request):
    """Choose the personnel list and see what importing it would do; nothing is written yet."""
    access.check_may_manage_users(request.user)
    form = PersonnelUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        deactivate = form.cleaned_data["deactivate_missing"]
        result = personnel.import_personnel(
            file=content, by=request.user, dry_run=True, deactivate_missing=deactivate
        )
        token = uploads.keep(content) if result.ok else None
        return render(
            request,
            "accounts/personnel_preview.html",
            _preview_context(result, token=token, deactivate=deactivate),
        )
    return render(request, "accounts/personnel_upload.html", {"form": form})


def _preview_context(result, **extra):
    return {"result": result, "labels": personnel.KIND_LABELS, **extra}


@require_POST
def personnel_confirm(request):
    """Import the list shown in the preview: all of it, or — if anything is now wrong — none."""
    access.check_may_manage_users(request.user)
    token = request.POST.get("token")
    content = uploads.load(token)
    if content is None:
        messages.error(request, UPLOAD_EXPIRED)
        return redirect("accounts:import")
    deactivate = request.POST.get("deactivate_missing") == "1"
    result = personnel.import_personnel(
        file=content, by=request.user, deactivate_missing=deactivate
    )
    if not result.ok:
        context = _preview_context(result, deactivate=deactivate)
        return render(request, "accounts/personnel_preview.html", context, status=400)
    uploads.discard(token)
    counts = result.counts
    summary = "・".join(
        f"{label} {counts[kind]} 件" for kind, label in personnel.KIND_LABELS.items()
    )
    messages.success(request, f"職員名簿を取り込みました（{summary}）。")
    return redirect(reverse("accounts:list"))
