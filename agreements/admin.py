from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ContactAgreement, Membership, Practice, User


class SuperuserOnlyAdminSite:
    """Django admin is for superusers only; practice staff use the app's own pages."""

    @staticmethod
    def has_permission(request) -> bool:
        return request.user.is_active and request.user.is_superuser


admin.site.has_permission = SuperuserOnlyAdminSite.has_permission


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_superuser"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "name", "phone")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "time_zone"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "practice", "role", "on_call_eligible", "is_active"]
    list_filter = ["practice", "role"]
    list_select_related = ["user", "practice"]


@admin.register(ContactAgreement)
class ContactAgreementAdmin(admin.ModelAdmin):
    list_display = ["client", "version", "status", "review_due"]
    list_filter = ["status"]
    list_select_related = ["client__user", "client__practice"]

    def has_change_permission(self, request, obj=None) -> bool:
        # Versions change only through the app's services (active versions never change).
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
