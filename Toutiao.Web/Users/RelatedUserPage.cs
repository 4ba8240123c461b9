namespace Toutiao.Web.Users;

public sealed record RelatedUserPage(long TotalCount, int Page, int PerPage, IReadOnlyList<RelatedUser> Results);
